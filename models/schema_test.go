package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestMigrateSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(ctx, models.DriverSQLite, models.SQLiteDSN(filepath.Join(t.TempDir(), "app.db")))
	require.NoError(t, err)
	t.Cleanup(func() { closeDB(t, db) })

	v, err := models.MigrationVersion(ctx, db)
	require.NoError(t, err)
	require.Zero(t, v, "fresh database")

	require.NoError(t, models.Migrate(ctx, db))
	require.NoError(t, models.Migrate(ctx, db), "second run must be a no-op")

	v, err = models.MigrationVersion(ctx, db)
	require.NoError(t, err)
	require.Equal(t, latestVersion(t, "sqlite"), v)

	checkSchema(t, db)
	checkRoundTrip(t, db)
}

func TestMigrateMySQL(t *testing.T) {
	ctx := context.Background()
	dsn := modelstest.MySQLDSN(t)

	// Replicas starting together must not trip over each other's DDL.
	const replicas = 4
	dbs := make([]*gorm.DB, replicas)
	for i := range dbs {
		db, err := models.Open(ctx, models.DriverMySQL, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { closeDB(t, db) })
		dbs[i] = db
	}
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i, db := range dbs {
		wg.Go(func() { errs[i] = models.Migrate(ctx, db) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}

	db := dbs[0]
	require.NoError(t, models.Migrate(ctx, db), "second run must be a no-op")
	v, err := models.MigrationVersion(ctx, db)
	require.NoError(t, err)
	require.Equal(t, latestVersion(t, "mysql"), v)

	var applied int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied).Error)
	require.Equal(t, int64(len(migrationFiles(t, "mysql"))), applied, "each migration recorded once")

	for _, model := range models.All() {
		table := tableName(t, db, model)
		var engine, collation string
		require.NoError(t, db.Raw("SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table).
			Row().Scan(&engine, &collation))
		require.Equal(t, "InnoDB", engine, table)
		if table != "cc_misc_lvmsg" {
			require.True(t, strings.HasPrefix(collation, "utf8mb4_"), "%s collation %s", table, collation)
		}
	}

	checkSchema(t, db)
	checkRoundTrip(t, db)
}

func TestMigrationsCoverBothDatabases(t *testing.T) {
	require.Equal(t, migrationFiles(t, "sqlite"), migrationFiles(t, "mysql"),
		"every schema change needs a file for each database")
}

// checkSchema compares the migrated schema with what GORM derives from the
// tags, so that models.go and the SQL files cannot drift apart unnoticed.
func checkSchema(t *testing.T, db *gorm.DB) {
	t.Helper()
	m := db.Migrator()
	dialect := db.Dialector.Name()
	for _, model := range models.All() {
		sch := parse(t, db, model)
		t.Run(sch.Table, func(t *testing.T) {
			require.True(t, m.HasTable(model))
			cols, err := m.ColumnTypes(model)
			require.NoError(t, err)
			got := map[string]gorm.ColumnType{}
			var names []string
			for _, c := range cols {
				got[c.Name()] = c
				names = append(names, c.Name())
			}
			require.ElementsMatch(t, sch.DBNames, names, "columns")

			for _, f := range sch.Fields {
				if f.DBName == "" {
					continue
				}
				require.True(t, m.HasColumn(model, f.DBName), f.DBName)
				c := got[f.DBName]
				nullable, ok := c.Nullable()
				require.True(t, ok, f.DBName)
				require.Equal(t, !(f.NotNull || f.PrimaryKey), nullable, "%s nullable", f.DBName)
				if pk, ok := c.PrimaryKey(); ok {
					require.Equal(t, f.PrimaryKey, pk, "%s primary key", f.DBName)
				}
				checkColumnType(t, dialect, sch.Table, f, c)
			}

			require.Equal(t, wantIndexes(sch), gotIndexes(t, db, model, sch.Table), "indexes")
		})
	}
}

func checkColumnType(t *testing.T, dialect, table string, f *schema.Field, c gorm.ColumnType) {
	t.Helper()
	typ := strings.ToLower(c.DatabaseTypeName())
	if tagged, ok := f.TagSettings["TYPE"]; ok {
		require.Equal(t, strings.ToLower(tagged), typ, "%s type", f.DBName)
		return
	}
	switch dialect {
	case "mysql":
		full, _ := c.ColumnType()
		switch f.GORMDataType {
		case schema.String:
			require.Equal(t, "varchar", typ, f.DBName)
			n, ok := c.Length()
			require.True(t, ok, f.DBName)
			require.EqualValues(t, f.Size, n, "%s length", f.DBName)
		case schema.Int:
			require.Equal(t, "bigint", typ, f.DBName)
			require.NotContains(t, full, "unsigned", f.DBName)
		case schema.Uint:
			require.Equal(t, "bigint", typ, f.DBName)
			require.Contains(t, full, "unsigned", f.DBName)
		case schema.Bool:
			require.Equal(t, "tinyint(1)", full, f.DBName)
		case schema.Time:
			require.Equal(t, "datetime(3)", full, f.DBName)
		default:
			t.Fatalf("%s: no expectation for %s", f.DBName, f.GORMDataType)
		}
		if ai, ok := c.AutoIncrement(); ok {
			require.Equal(t, f.AutoIncrement, ai, "%s auto_increment", f.DBName)
		}
	case "sqlite":
		want := map[schema.DataType]string{
			schema.String: "text", schema.Int: "integer", schema.Uint: "integer",
			schema.Bool: "numeric", schema.Time: "datetime",
		}[f.GORMDataType]
		if table == "cc_misc_lvmsg" && f.GORMDataType == schema.String {
			// Spec 002's types, kept for the reader: SQLite does not enforce lengths.
			want = "varchar"
			n, ok := c.Length()
			require.True(t, ok, f.DBName)
			require.EqualValues(t, f.Size, n, "%s length", f.DBName)
		}
		require.Equal(t, want, typ, f.DBName)
	default:
		t.Fatalf("unexpected dialect %s", dialect)
	}
}

type index struct {
	Columns string
	Unique  bool
}

func wantIndexes(sch *schema.Schema) map[string]index {
	out := map[string]index{}
	for _, idx := range sch.ParseIndexes() {
		var cols []string
		for _, o := range idx.Fields {
			cols = append(cols, o.DBName)
		}
		out[idx.Name] = index{Columns: strings.Join(cols, ","), Unique: idx.Class == "UNIQUE"}
	}
	return out
}

func gotIndexes(t *testing.T, db *gorm.DB, model any, table string) map[string]index {
	t.Helper()
	out := map[string]index{}
	if db.Dialector.Name() == "sqlite" {
		// Read the pragmas directly: the SQLite migrator's GetIndexes logs in debug mode.
		type row struct {
			Name   string
			Unique bool
			Origin string
		}
		var rows []row
		require.NoError(t, db.Raw("SELECT name, \"unique\", origin FROM pragma_index_list(?)", table).Scan(&rows).Error)
		for _, r := range rows {
			if r.Origin != "c" { // primary key and UNIQUE constraints are not GORM indexes
				continue
			}
			var cols []string
			require.NoError(t, db.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", r.Name).Scan(&cols).Error)
			out[r.Name] = index{Columns: strings.Join(cols, ","), Unique: r.Unique}
		}
		return out
	}
	idxs, err := db.Migrator().GetIndexes(model)
	require.NoError(t, err)
	for _, idx := range idxs {
		if pk, _ := idx.PrimaryKey(); pk {
			continue
		}
		unique, _ := idx.Unique()
		out[idx.Name()] = index{Columns: strings.Join(idx.Columns(), ","), Unique: unique}
	}
	return out
}

// checkRoundTrip writes a fully populated row of every model and reads it back.
func checkRoundTrip(t *testing.T, db *gorm.DB) {
	t.Helper()
	for i, model := range models.All() {
		sch := parse(t, db, model)
		t.Run("roundtrip/"+sch.Table, func(t *testing.T) {
			typ := reflect.TypeOf(model).Elem()
			in := reflect.New(typ)
			fill(t, sch, in.Elem(), i)
			require.NoError(t, db.Create(in.Interface()).Error)

			where := map[string]any{}
			for _, f := range sch.PrimaryFields {
				v, zero := f.ValueOf(context.Background(), in.Elem())
				require.False(t, zero, "%s primary key unset after create", f.DBName)
				where[f.DBName] = v
			}
			out := reflect.New(typ)
			require.NoError(t, db.Where(where).Take(out.Interface()).Error)
			require.Equal(t, in.Interface(), out.Interface())
		})
	}
}

// fill sets every column to a non-zero value that survives both databases:
// times in UTC at millisecond precision (DATETIME(3)), whole seconds for the
// spec's TIMESTAMP, and 4-byte UTF-8 except in the utf8 (3-byte) spec table.
func fill(t *testing.T, sch *schema.Schema, v reflect.Value, seed int) {
	t.Helper()
	when := time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC).Add(time.Duration(seed) * time.Hour)
	text := "值😀"
	if sch.Table == "cc_misc_lvmsg" {
		text = "值"
	}
	for n, f := range sch.Fields {
		if f.DBName == "" || f.AutoIncrement {
			continue
		}
		fv := v.FieldByIndex(f.StructField.Index)
		if fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
			fv = fv.Elem()
		}
		switch x := fv.Addr().Interface().(type) {
		case *string:
			s := fmt.Sprintf("%s%d%s", f.DBName, seed, text)
			if f.Size > 0 && len([]rune(s)) > f.Size {
				s = string([]rune(s)[len([]rune(s))-f.Size:])
			}
			*x = s
		case *time.Time:
			*x = when.Add(time.Duration(n) * time.Minute)
			if strings.EqualFold(f.TagSettings["TYPE"], "timestamp") {
				*x = x.Truncate(time.Second)
			}
		case *bool:
			*x = true
		case *int:
			*x = 1000 + n
		case *int64:
			*x = int64(1_000_000_000_000 + n)
		case *uint64:
			*x = uint64(2000 + n)
		default:
			t.Fatalf("%s.%s: no filler for %T", sch.Table, f.Name, x)
		}
	}
}

func parse(t *testing.T, db *gorm.DB, model any) *schema.Schema {
	t.Helper()
	stmt := &gorm.Statement{DB: db}
	require.NoError(t, stmt.Parse(model))
	return stmt.Schema
}

func tableName(t *testing.T, db *gorm.DB, model any) string {
	t.Helper()
	return parse(t, db, model).Table
}

// migrationFiles lists the version numbers of a dialect's migration files.
func migrationFiles(t *testing.T, dialect string) []int64 {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	require.NoError(t, err)
	var versions []int64
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		require.True(t, ok && strings.HasSuffix(e.Name(), ".sql"), "unexpected file %s", e.Name())
		v, err := strconv.ParseInt(prefix, 10, 64)
		require.NoError(t, err, e.Name())
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	require.NotEmpty(t, versions)
	return versions
}

func latestVersion(t *testing.T, dialect string) int64 {
	t.Helper()
	v := migrationFiles(t, dialect)
	return v[len(v)-1]
}

func closeDB(t *testing.T, db *gorm.DB) {
	sqlDB, err := db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
}
