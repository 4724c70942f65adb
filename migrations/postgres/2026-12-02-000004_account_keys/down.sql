DROP TABLE account_requests;
DROP TABLE account_keys;
