package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

func TestTakeAnswersTheCallersNotFoundAndWrapsTheRest(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	errMissing := errors.New("missing")

	k, err := models.Take[models.AppKey](ctx, db, errMissing, "app key", "`key` = ?", models.DemoAppKey)
	require.NoError(t, err)
	require.Equal(t, models.DemoTenantID, k.TenantID)

	_, err = models.Take[models.AppKey](ctx, db, errMissing, "app key", "`key` = ?", "nope")
	require.ErrorIs(t, err, errMissing)

	_, err = models.Take[models.AppKey](ctx, db, errMissing, "app key", "no_such_column = ?", 1)
	require.ErrorContains(t, err, "read app key")
	require.NotErrorIs(t, err, errMissing)
}
