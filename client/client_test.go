package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/client"
	"github.com/ccflow/ccflow/internal/directory"
	"github.com/ccflow/ccflow/internal/token"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
)

// TestClientTalksToCcflow: the generated client gets an AccessToken and a
// visitor's ccmessaging-token from a real router, as an integrator's backend
// does, and reads a refusal in its typed form.
func TestClientTalksToCcflow(t *testing.T) {
	ctx := context.Background()
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(ctx, db)
	require.NoError(t, err)
	issuer, err := token.NewIssuer(ctx, db)
	require.NoError(t, err)
	srv := httptest.NewServer(api.NewRouter(api.Deps{
		Logger: slog.New(slog.DiscardHandler), Metrics: prometheus.NewRegistry(),
		Directory: &directory.Directory{DB: db}, Tokens: issuer,
	}))
	defer srv.Close()
	c, err := client.NewClientWithResponses(srv.URL)
	require.NoError(t, err)

	expire := "600"
	tok, err := c.TokenByAkSkWithResponse(ctx, &client.TokenByAkSkParams{XTokenExpire: &expire},
		client.TokenByAkSkJSONRequestBody{AppKey: "demo-app-key", AppSecret: "demo-app-secret"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, tok.StatusCode(), "%s", tok.Body)
	require.NotEmpty(t, tok.JSON200.AccessToken)
	require.Equal(t, "600", tok.JSON200.Expires)

	appHeaders := func(_ context.Context, req *http.Request) error {
		req.Header.Set("x-app-key", "demo-app-key")
		req.Header.Set("Authorization", "Bearer "+tok.JSON200.AccessToken)
		return nil
	}
	applied, err := c.ApplyTokenWithResponse(ctx, client.ApplyTokenJSONRequestBody{
		UserId: "visitor-1", UserName: "Ann", ChannelId: "1011577355744904195", Locale: "zh",
	}, appHeaders)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, applied.StatusCode(), "%s", applied.Body)
	require.Equal(t, client.ApplyToken200JSONResponseBodyResultCode("0"), applied.JSON200.ResultCode)
	require.NotEmpty(t, applied.JSON200.Token)

	wrong, err := c.TokenByAkSkWithResponse(ctx, nil, client.TokenByAkSkJSONRequestBody{AppKey: "demo-app-key", AppSecret: "wrong"})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, wrong.StatusCode())
	require.Equal(t, "401", wrong.JSON401.ResultCode)
	require.Equal(t, "invalid app_key or app_secret", wrong.JSON401.ResultDesc)
}
