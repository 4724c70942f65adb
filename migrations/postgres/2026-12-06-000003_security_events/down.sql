ALTER TABLE account_requests DROP COLUMN user_agent;
ALTER TABLE account_requests DROP COLUMN ip;
ALTER TABLE auth_tokens DROP COLUMN user_agent;
ALTER TABLE auth_tokens DROP COLUMN ip;
DROP TABLE webhook_deliveries;
DROP TABLE security_events;
