begin;
select plan(2);

select tests.create_user('ann@example.test') as ann_id \gset
select tests.create_user('bob@example.test') as bob_id \gset
select tests.seed_course_pipeline(:'ann_id') as ann_course \gset
select tests.seed_course_pipeline(:'bob_id') as bob_course \gset
select tests.seed_course_pipeline(:'ann_id', 'course 2') as ann_course_2 \gset

select isnt(:'bob_course'::uuid, :'ann_course'::uuid, 'the same name for another owner is another pipeline');
select isnt(:'ann_course_2'::uuid, :'ann_course'::uuid, 'another name for the same owner is another pipeline');

select * from finish();
rollback;
