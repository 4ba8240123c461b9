-- Run after schema.sql at every initialisation (Toutiao.Web initialize-database, the tests); each
-- statement is idempotent and cheap when there is nothing left to do.

-- Accounts used to be named after their mobile number (or "u<mobile>_<hex>" when that was taken),
-- and names are public: such names become generated ones (Users/DisplayName.cs, the same pattern).
-- IGNORE: a clash with an existing name leaves that row for the next run.
UPDATE IGNORE user_basic
SET user_name = CONCAT('用户', UPPER(LEFT(SHA2(CONCAT(user_id, ':', RAND()), 256), 8)))
WHERE user_name REGEXP '1[0-9]{10}';
