package models_test

import (
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models/modelstest"
)

// defaultKind is how a column's DEFAULT reads, independent of the server's spelling.
type defaultKind int

const (
	noDefault defaultKind = iota
	defaultNull
	defaultNow
)

// lvmsgColumns restates spec 002's DDL column by column, in order.
var lvmsgColumns = []struct {
	name, typ string
	nullable  bool
	def       defaultKind
	onUpdate  bool
	comment   string
}{
	{"id", "varchar(50)", false, noDefault, false, ""},
	{"acc_type", "varchar(50)", false, noDefault, false, `留言来源的账户类型。微信请自行填写"weixin",否则是"app"`},
	{"acc_name", "varchar(50)", false, noDefault, false, "账户名。微信的需要自行填写微信账户名,app的是app的name"},
	{"user_id", "varchar(50)", true, defaultNull, false, "如果APP能够提供用户的唯一ID,就在这个字段填写。如果无法确定,则可不提供该字段。"},
	{"contact", "varchar(32)", false, noDefault, false, "联络人称谓"},
	{"callback", "varchar(50)", false, noDefault, false, "回复方式"},
	{"tel", "varchar(45)", true, defaultNull, false, ""},
	{"email", "varchar(100)", true, defaultNull, false, ""},
	{"subject", "varchar(50)", false, noDefault, false, "留言主题"},
	{"content", "varchar(2000)", true, defaultNull, false, "留言内容"},
	{"create_time", "timestamp", false, defaultNow, true, ""},
	{"user_data", "varchar(2000)", true, defaultNull, false, "附加数据"},
	{"tag", "varchar(45)", true, defaultNull, false, "标签,开发可任意处置"},
}

func TestLeaveMessageDDLMySQL(t *testing.T) {
	db := modelstest.MySQLDB(t)

	type column struct {
		Name     string
		Position int
		Type     string
		Nullable string
		Default  sql.NullString
		Extra    string
		Comment  string
		Charset  sql.NullString
	}
	var cols []column
	require.NoError(t, db.Raw(`SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS position, COLUMN_TYPE AS type,
		IS_NULLABLE AS nullable, COLUMN_DEFAULT AS `+"`default`"+`, EXTRA AS extra, COLUMN_COMMENT AS comment,
		CHARACTER_SET_NAME AS charset
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'cc_misc_lvmsg'
		ORDER BY ORDINAL_POSITION`).Scan(&cols).Error)
	require.Len(t, cols, len(lvmsgColumns))

	for i, want := range lvmsgColumns {
		got := cols[i]
		require.Equal(t, want.name, got.Name, "column %d", i+1)
		require.Equal(t, i+1, got.Position, want.name)
		require.Equal(t, want.typ, strings.ToLower(got.Type), want.name)
		require.Equal(t, map[bool]string{true: "YES", false: "NO"}[want.nullable], got.Nullable, want.name)
		require.Equal(t, want.comment, got.Comment, want.name)

		switch want.def {
		case noDefault:
			require.False(t, got.Default.Valid, "%s has default %q", want.name, got.Default.String)
		case defaultNull:
			// MariaDB reports DEFAULT NULL as the string NULL, MySQL as SQL NULL.
			require.True(t, !got.Default.Valid || got.Default.String == "NULL", "%s default %q", want.name, got.Default.String)
		case defaultNow:
			require.True(t, isCurrentTimestamp(got.Default.String), "%s default %q", want.name, got.Default.String)
		}
		extra := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(got.Extra, "DEFAULT_GENERATED", "")))
		if want.onUpdate {
			rest, ok := strings.CutPrefix(extra, "on update ")
			require.True(t, ok && isCurrentTimestamp(rest), "%s extra %q", want.name, got.Extra)
		} else {
			require.Empty(t, extra, want.name)
		}
		if strings.HasPrefix(want.typ, "varchar") {
			require.True(t, got.Charset.Valid && isUTF8(got.Charset.String), "%s charset %q", want.name, got.Charset.String)
		}
	}

	var engine, comment, collation, charset string
	require.NoError(t, db.Raw(`SELECT t.ENGINE, t.TABLE_COMMENT, t.TABLE_COLLATION, c.CHARACTER_SET_NAME
		FROM information_schema.TABLES t
		JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY c ON c.COLLATION_NAME = t.TABLE_COLLATION
		WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = 'cc_misc_lvmsg'`).Row().Scan(&engine, &comment, &collation, &charset))
	require.Equal(t, "InnoDB", engine)
	require.Equal(t, "留言记录", comment)
	require.True(t, isUTF8(charset), "table charset %s (collation %s)", charset, collation)

	type keyPart struct {
		Name   string
		Column string
	}
	var keys []keyPart
	require.NoError(t, db.Raw(`SELECT INDEX_NAME AS name, COLUMN_NAME AS `+"`column`"+` FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'cc_misc_lvmsg' ORDER BY INDEX_NAME, SEQ_IN_INDEX`).Scan(&keys).Error)
	require.Equal(t, []keyPart{{"PRIMARY", "id"}}, keys, "the spec defines the primary key and no other index")

	var table, ddl string
	require.NoError(t, db.Raw("SHOW CREATE TABLE `cc_misc_lvmsg`").Row().Scan(&table, &ddl))
	now := `(?:current_timestamp\(\)|CURRENT_TIMESTAMP)`
	for _, pattern := range []string{
		"(?m)^\\s*`create_time` timestamp NOT NULL DEFAULT " + now + " ON UPDATE " + now + ",?$",
		"(?m)^\\s*`user_id` varchar\\(50\\) DEFAULT NULL COMMENT '",
		"(?m)^\\s*`id` varchar\\(50\\) NOT NULL,$",
		"(?m)^\\s*PRIMARY KEY \\(`id`\\)$",
		`ENGINE=InnoDB DEFAULT CHARSET=utf8(?:mb3)?\b`,
		`COMMENT='留言记录'$`,
	} {
		require.Regexp(t, regexp.MustCompile(pattern), ddl)
	}
}

func isCurrentTimestamp(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "current_timestamp" || s == "current_timestamp()"
}

// isUTF8 accepts both names of MySQL's 3-byte utf8: MariaDB 10.6+ and MySQL 8 report utf8mb3.
func isUTF8(s string) bool { return s == "utf8" || s == "utf8mb3" }
