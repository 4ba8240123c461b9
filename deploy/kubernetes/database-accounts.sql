-- The services' MariaDB accounts, as the AppHost creates them on its local mariadbd
-- (Toutiao.Hosting: AddUser). Run once as an administrator, with the passwords of database-secret.yaml:
--   mariadb -h <mariadb-primary> -u <admin> -p \
--     --init-command="SET @web='<toutiao-web-password>', @reco='<toutiao-reco-password>'" < database-accounts.sql
-- '%' is any client host: narrow it to the pods' network if the server sees their addresses.
-- Rows only, on toutiao's tables: no schema, no other database, no accounts.
EXECUTE IMMEDIATE CONCAT('CREATE USER IF NOT EXISTS ''toutiao_web''@''%'' IDENTIFIED BY ', QUOTE(@web));
EXECUTE IMMEDIATE CONCAT('ALTER USER ''toutiao_web''@''%'' IDENTIFIED BY ', QUOTE(@web));
GRANT SELECT, INSERT, UPDATE, DELETE ON toutiao.* TO 'toutiao_web'@'%';
EXECUTE IMMEDIATE CONCAT('CREATE USER IF NOT EXISTS ''toutiao_reco''@''%'' IDENTIFIED BY ', QUOTE(@reco));
EXECUTE IMMEDIATE CONCAT('ALTER USER ''toutiao_reco''@''%'' IDENTIFIED BY ', QUOTE(@reco));
GRANT SELECT, INSERT, UPDATE, DELETE ON toutiao.* TO 'toutiao_reco'@'%';
-- A read replica for Web (ConnectionStrings__toutiao-replica), if you add one: reads, and
-- SHOW SLAVE STATUS to see how far behind it is. Create it on the replica itself:
--   CREATE USER 'toutiao_reader'@'%' IDENTIFIED BY '...';
--   GRANT SELECT ON toutiao.* TO 'toutiao_reader'@'%';
--   GRANT SLAVE MONITOR ON *.* TO 'toutiao_reader'@'%';
