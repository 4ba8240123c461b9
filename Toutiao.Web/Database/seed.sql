-- Deterministic demo data: 26 channels (25 visible), 1,000 users, 50,000 approved articles
-- (plus 500 that are not approved), their covers, bodies and counters, and 3 pinned articles
-- per visible channel. Everything is computed from a row number with INSERT ... SELECT, so the
-- whole set loads in a few seconds and is the same on every machine.

CREATE TEMPORARY TABLE seed_digit (d INT NOT NULL PRIMARY KEY);
INSERT INTO seed_digit VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);

CREATE TEMPORARY TABLE seed_number (n INT NOT NULL PRIMARY KEY);
INSERT INTO seed_number (n)
SELECT a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d + 1
FROM seed_digit a, seed_digit b, seed_digit c, seed_digit d, seed_digit e
WHERE a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d < 50500;

INSERT INTO news_channel (channel_id, channel_name, sequence, is_visible, is_default) VALUES
 (1,'html',1,1,1),(2,'开发者资讯',2,1,1),(3,'ios',3,1,1),(4,'c++',4,1,0),(5,'android',5,1,0),
 (6,'css',6,1,0),(7,'数据库',7,1,0),(8,'区块链',8,1,0),(9,'go',9,1,0),(10,'产品',10,1,0),
 (11,'后端',11,1,0),(12,'linux',12,1,0),(13,'人工智能',13,1,0),(14,'php',14,1,0),(15,'javascript',15,1,0),
 (16,'架构',16,1,0),(17,'前端',17,1,0),(18,'python',18,1,0),(19,'java',19,1,0),(20,'算法',20,1,0),
 (21,'面试',21,1,0),(22,'科技动态',22,1,0),(23,'js',23,1,0),(24,'设计',24,1,0),(25,'数码产品',25,1,0),
 (26,'运维',26,0,0);

INSERT INTO user_basic (user_id, mobile, user_name, profile_photo, is_media, is_verified, introduction,
                        article_count, following_count, fans_count, like_count, read_count, status)
SELECT n,
       CONCAT('139', LPAD(n, 8, '0')),
       CONCAT('头条作者', LPAD(n, 4, '0')),
       CONCAT('/images/user/', n, '.png'),
       n % 5 = 0, n % 7 = 0,
       CONCAT('第 ', n, ' 位作者'),
       50, n % 100, (n * 37) % 5000, (n * 53) % 9000, (n * 97) % 90000, 1
FROM seed_number WHERE n <= 1000;

INSERT INTO user_profile (user_id, gender, birthday, real_name, area, company, career)
SELECT n, n % 2, DATE('1990-01-01') + INTERVAL (n * 13) % 9000 DAY, CONCAT('作者', n),
       ELT(1 + n % 5, '北京', '上海', '广州', '深圳', '杭州'), '头条', ELT(1 + n % 3, '工程师', '编辑', '产品经理')
FROM seed_number WHERE n <= 1000;

-- Articles 1..50000 are approved; 50001..50500 cycle through the other statuses.
-- Article n belongs to channel 1 + n % 25; a larger n is newer (13 minutes apart), and the newest
-- approved one is published when the data is first loaded (times in UTC, as the services read them),
-- so the app shows "刚刚" and "x 分钟前" at the top of a fresh start, not "1 个月前" everywhere.
INSERT INTO news_article_basic (article_id, user_id, channel_id, title, cover, create_time, status,
                                review_time, allow_comment, is_top, update_time)
SELECT n,
       1 + (n * 37) % 1000,
       1 + n % 25,
       CONCAT(ELT(1 + n % 8, '深入理解', '从零开始学', '一文读懂', '实战', '聊聊', '再谈', '图解', '十分钟上手'),
              ' ', ELT(1 + n % 25, 'html', '开发者资讯', 'ios', 'c++', 'android', 'css', '数据库', '区块链', 'go',
                       '产品', '后端', 'linux', '人工智能', 'php', 'javascript', '架构', '前端', 'python', 'java',
                       '算法', '面试', '科技动态', 'js', '设计', '数码产品'),
              ' 第', n, '篇'),
       CASE n % 3
         WHEN 0 THEN JSON_OBJECT('type', 0, 'images', JSON_ARRAY())
         WHEN 1 THEN JSON_OBJECT('type', 1, 'images', JSON_ARRAY(CONCAT('/images/article/', n, '-1.jpg')))
         ELSE JSON_OBJECT('type', 3, 'images', JSON_ARRAY(CONCAT('/images/article/', n, '-1.jpg'),
                                                         CONCAT('/images/article/', n, '-2.jpg'),
                                                         CONCAT('/images/article/', n, '-3.jpg')))
       END,
       UTC_TIMESTAMP() - INTERVAL ABS(50000 - n) * 13 MINUTE,
       IF(n <= 50000, 2, ELT(1 + n % 5, 0, 1, 3, 4, 5)),
       UTC_TIMESTAMP() - INTERVAL ABS(50000 - n) * 13 MINUTE,
       1,
       n <= 75,
       NOW()
FROM seed_number;

INSERT INTO news_article_content (article_id, content)
SELECT n, CONCAT('<p>这是第 ', n, ' 篇文章的正文。</p>',
                 REPEAT(CONCAT('<p>头条示例段落 ', n, '：Redis 缓存在 MySQL 之前，推荐服务经由 gRPC 给出文章列表。</p>'), 3))
FROM seed_number;

INSERT INTO news_article_statistic (article_id, read_count, like_count, dislike_count, repost_count,
                                    collect_count, comment_count)
SELECT n, (n * 7919) % 100000, (n * 104729) % 5000, (n * 31) % 50, (n * 17) % 300,
       (n * 1299709) % 2000, (n * 15485863) % 1000
FROM seed_number;

INSERT INTO news_user_channel (user_id, channel_id, sequence)
SELECT u.n, 1 + (u.n + k.d * 5) % 25, k.d
FROM seed_number u JOIN seed_digit k ON k.d < 5
WHERE u.n <= 1000;

DROP TEMPORARY TABLE seed_number;
DROP TEMPORARY TABLE seed_digit;
