DROP TABLE job_attempts;
DROP TABLE jobs;
