-- The templates every deployment offers. Run again after a change: rows are updated in
-- place by name.
insert into public.monitor_templates (
    name, description, category, icon, search_query, condition_description, schedule, notify_behavior
)
values
(
    'Product release', 'Tells you once a release date for a product is announced.', 'product_release', '🚀',
    'When will {product} be released?', 'A release date for {product} has been officially announced',
    '0 9 * * *', 'once'
),
(
    'Price drop', 'Tells you each time a product''s price changes.', 'price_tracking', '💸',
    'What is the current price of {product} at {store}?', 'The price of {product} at {store} is known',
    '0 8,20 * * *', 'track_state'
),
(
    'Back in stock', 'Tells you once a product can be ordered again.', 'availability', '📦',
    'Is {product} in stock and available to order at {store}?', '{product} can be ordered at {store} now',
    '0 */2 * * *', 'once'
),
(
    'Regulation change', 'Tells you whenever a rule you follow changes.', 'regulation', '⚖️',
    'What is the latest official change to {regulation} in {jurisdiction}?',
    'A new change to {regulation} in {jurisdiction} has been published',
    '0 7 * * mon-fri', 'track_state'
)
on conflict (name) do update set
    description = excluded.description,
    category = excluded.category,
    icon = excluded.icon,
    search_query = excluded.search_query,
    condition_description = excluded.condition_description,
    schedule = excluded.schedule,
    notify_behavior = excluded.notify_behavior,
    updated_at = now();
