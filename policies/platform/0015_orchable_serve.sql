-- orchable serve reaches the RPCs' implementations (orchable_rpc) and, for deployments
-- without PostgREST, trigger_webhook; its other RPCs are granted where they are defined.
grant usage on schema orchable_rpc to orchable_serve;
grant execute on function orchable_rpc.trigger_webhook(text, jsonb) to orchable_serve;
grant execute on function public.trigger_webhook(text, jsonb) to orchable_serve;
