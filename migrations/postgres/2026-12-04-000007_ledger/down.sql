DROP INDEX reward_lines_status_id;
