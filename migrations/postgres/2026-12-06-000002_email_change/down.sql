ALTER TABLE account_keys DROP COLUMN new_email;
