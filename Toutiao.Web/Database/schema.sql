-- Toutiao schema, in the spirit of the original toutiao MySQL tables.
-- Idempotent: every statement may run again on an existing database.

CREATE TABLE IF NOT EXISTS news_channel (
  channel_id    INT UNSIGNED NOT NULL AUTO_INCREMENT,
  channel_name  VARCHAR(32)  NOT NULL,
  create_time   DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time   DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  sequence      INT UNSIGNED NOT NULL DEFAULT 0,
  is_visible    TINYINT(1)   NOT NULL DEFAULT 0,
  is_default    TINYINT(1)   NOT NULL DEFAULT 0,
  PRIMARY KEY (channel_id),
  UNIQUE KEY uk_channel_name (channel_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='news channels';

CREATE TABLE IF NOT EXISTS user_basic (
  user_id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  mobile          CHAR(11)     NOT NULL,
  password        CHAR(93)     NULL,
  user_name       VARCHAR(32)  NOT NULL,
  profile_photo   VARCHAR(128) NULL,
  last_login      DATETIME     NULL,
  is_media        TINYINT(1)   NOT NULL DEFAULT 0,
  is_verified     TINYINT(1)   NOT NULL DEFAULT 0,
  introduction    VARCHAR(50)  NULL,
  certificate     VARCHAR(30)  NULL,
  article_count   INT UNSIGNED NOT NULL DEFAULT 0,
  following_count INT UNSIGNED NOT NULL DEFAULT 0,
  fans_count      INT UNSIGNED NOT NULL DEFAULT 0,
  like_count      INT UNSIGNED NOT NULL DEFAULT 0,
  read_count      INT UNSIGNED NOT NULL DEFAULT 0,
  status          TINYINT(1)   NOT NULL DEFAULT 1 COMMENT '0 disabled, 1 enabled',
  PRIMARY KEY (user_id),
  UNIQUE KEY uk_mobile (mobile),
  UNIQUE KEY uk_user_name (user_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='users';

CREATE TABLE IF NOT EXISTS user_profile (
  user_id      BIGINT UNSIGNED NOT NULL,
  gender       TINYINT(1)  NOT NULL DEFAULT 0 COMMENT '0 male, 1 female',
  birthday     DATE        NULL,
  real_name    VARCHAR(32) NULL,
  create_time  DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time  DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  area         VARCHAR(20) NULL,
  company      VARCHAR(20) NULL,
  career       VARCHAR(20) NULL,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='user profiles';

CREATE TABLE IF NOT EXISTS news_article_basic (
  article_id     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id        BIGINT UNSIGNED NOT NULL,
  channel_id     INT UNSIGNED    NOT NULL,
  title          VARCHAR(128)    NOT NULL,
  cover          JSON            NOT NULL COMMENT '{"type":0|1|3,"images":[...]}',
  is_advertising TINYINT(1)      NOT NULL DEFAULT 0,
  create_time    DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  status         TINYINT(1)      NOT NULL DEFAULT 0 COMMENT '0 draft, 1 pending review, 2 approved, 3 rejected, 4 deleted, 5 banned',
  reviewer_id    INT             NULL,
  review_time    DATETIME        NULL,
  delete_time    DATETIME        NULL,
  allow_comment  TINYINT(1)      NOT NULL DEFAULT 1,
  is_top         TINYINT(1)      NOT NULL DEFAULT 0 COMMENT 'pinned at the top of its channel',
  update_time    DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  reject_reason  VARCHAR(200)    NULL,
  PRIMARY KEY (article_id),
  KEY ix_user (user_id),
  KEY ix_channel_status_time (channel_id, status, create_time),
  KEY ix_status_time (status, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='articles';

CREATE TABLE IF NOT EXISTS news_article_content (
  article_id BIGINT UNSIGNED NOT NULL,
  content    LONGTEXT        NOT NULL,
  PRIMARY KEY (article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='article bodies';

CREATE TABLE IF NOT EXISTS news_article_statistic (
  article_id    BIGINT UNSIGNED NOT NULL,
  read_count    INT UNSIGNED    NOT NULL DEFAULT 0,
  like_count    INT UNSIGNED    NOT NULL DEFAULT 0,
  dislike_count INT UNSIGNED    NOT NULL DEFAULT 0,
  repost_count  INT UNSIGNED    NOT NULL DEFAULT 0,
  collect_count INT UNSIGNED    NOT NULL DEFAULT 0,
  comment_count INT UNSIGNED    NOT NULL DEFAULT 0,
  PRIMARY KEY (article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='article counters';

-- A reader's attitude to an article (1: liked; 0: disliked, kept for the original's shape).
CREATE TABLE IF NOT EXISTS news_attitude (
  attitude_id  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id      BIGINT UNSIGNED NOT NULL,
  article_id   BIGINT UNSIGNED NOT NULL,
  attitude     TINYINT(1)      NULL,
  create_time  DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time  DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (attitude_id),
  UNIQUE KEY uk_user_article (user_id, article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='likes and dislikes';

CREATE TABLE IF NOT EXISTS news_collection (
  collection_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id       BIGINT UNSIGNED NOT NULL,
  article_id    BIGINT UNSIGNED NOT NULL,
  create_time   DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time   DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  is_deleted    TINYINT(1)      NOT NULL DEFAULT 0,
  PRIMARY KEY (collection_id),
  UNIQUE KEY uk_user_article (user_id, article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='collected articles';

-- Comments on articles (parent_id NULL) and replies to comments (parent_id: the comment).
CREATE TABLE IF NOT EXISTS news_comment (
  comment_id   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id      BIGINT UNSIGNED NOT NULL,
  article_id   BIGINT UNSIGNED NOT NULL,
  parent_id    BIGINT UNSIGNED NULL,
  content      VARCHAR(500)    NOT NULL,
  like_count   INT UNSIGNED    NOT NULL DEFAULT 0,
  reply_count  INT UNSIGNED    NOT NULL DEFAULT 0,
  is_top       TINYINT(1)      NOT NULL DEFAULT 0,
  status       TINYINT(1)      NOT NULL DEFAULT 1,
  ctime        DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (comment_id),
  KEY idx_article (article_id, parent_id, comment_id),
  KEY idx_parent (parent_id, comment_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='comments and replies';

CREATE TABLE IF NOT EXISTS news_comment_liking (
  liking_id    BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id      BIGINT UNSIGNED NOT NULL,
  comment_id   BIGINT UNSIGNED NOT NULL,
  is_deleted   TINYINT(1)      NOT NULL DEFAULT 0,
  create_time  DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time  DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (liking_id),
  UNIQUE KEY uk_user_comment (user_id, comment_id),
  KEY idx_comment (comment_id, is_deleted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='comment likes';

-- Who follows whom (relation 1: following, 0: no longer).
CREATE TABLE IF NOT EXISTS user_relation (
  relation_id     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id         BIGINT UNSIGNED NOT NULL,
  target_user_id  BIGINT UNSIGNED NOT NULL,
  relation        TINYINT(1)      NOT NULL DEFAULT 0,
  create_time     DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  update_time     DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (relation_id),
  UNIQUE KEY uk_user_target (user_id, target_user_id),
  KEY idx_target (target_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='followings';

-- Behaviour-stream entries (Redis stream ids) whose effects are applied: the consumer applies an
-- entry delivered twice once. Rows older than the stream's reclaim horizon are deleted.
CREATE TABLE IF NOT EXISTS news_behavior_applied (
  event_id    VARCHAR(41) NOT NULL,
  applied_at  DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (event_id),
  KEY idx_applied_at (applied_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COMMENT='applied behaviour events';

-- The answers of writes sent with an Idempotency-Key, so that a retry gets the first answer and adds no
-- second row; the row is written in the write's own transaction. Kept a day (IdempotentWrites.Retention).
CREATE TABLE IF NOT EXISTS news_idempotent_write (
  user_id      BIGINT UNSIGNED NOT NULL,
  idem_key     VARCHAR(64)     NOT NULL,
  fingerprint  CHAR(64)        NOT NULL,
  response     MEDIUMTEXT      NULL,
  ctime        DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, idem_key),
  KEY idx_ctime (ctime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='answers of writes for their retries';

CREATE TABLE IF NOT EXISTS news_user_channel (
  user_channel_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id         BIGINT UNSIGNED NOT NULL,
  channel_id      INT UNSIGNED    NOT NULL,
  create_time     DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
  is_deleted      TINYINT(1)      NOT NULL DEFAULT 0,
  update_time     DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  sequence        INT UNSIGNED    NOT NULL DEFAULT 0,
  PRIMARY KEY (user_channel_id),
  UNIQUE KEY uk_user_channel (user_id, channel_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='channels a user follows';

-- Each channel's topic vocabulary (k = 0..30): the demo articles and the newsroom compose titles
-- and bodies from it.
CREATE TABLE IF NOT EXISTS news_channel_topic (
  channel_id INT UNSIGNED     NOT NULL,
  k          TINYINT UNSIGNED NOT NULL,
  word       VARCHAR(32)      NOT NULL,
  PRIMARY KEY (channel_id, k)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='channel topic words';

-- An article's keywords (TF-IDF top 5 of its title and body, SmartCn terms); an article's
-- weights add up to 1. The course's article profile; Reco's content recall reads it.
CREATE TABLE IF NOT EXISTS news_article_keyword (
  article_id BIGINT UNSIGNED NOT NULL,
  keyword    VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
  weight     DOUBLE          NOT NULL,
  PRIMARY KEY (article_id, keyword),
  KEY ix_keyword_article (keyword, article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='article keywords';

-- In how many articles each term occurs (the IDF of a newly published article's keywords).
CREATE TABLE IF NOT EXISTS news_keyword_frequency (
  term      VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL,
  documents INT UNSIGNED NOT NULL,
  PRIMARY KEY (term)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='document frequency of terms';

CREATE TABLE IF NOT EXISTS toutiao_seed_history (
  version     INT UNSIGNED NOT NULL,
  applied_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='which demo data sets were loaded';
