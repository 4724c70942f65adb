-- An email change key carries the address it confirms: the account moves
-- there when the key comes back. NULL for every other purpose.
ALTER TABLE account_keys ADD COLUMN new_email TEXT;
