package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
)

func groupsRouter(t *testing.T) *gin.Engine {
	r := gin.New()
	h := &groupHandlers{d: testDeps(demoDB(t))}
	r.GET("/api/group/:business_id", newGroupsLimiter(), h.list)
	return r
}

func decodeGroups(t *testing.T, body []byte) groupsResponse {
	var out groupsResponse
	require.NoError(t, json.Unmarshal(body, &out))
	return out
}

func TestGroupsOfTheDemoBusiness(t *testing.T) {
	w := serve(groupsRouter(t), http.MethodGet, "/api/group/1", "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"code":0,"msg":[{"id":11,"groupname":"test1"},{"id":12,"groupname":"多商戶分組1"}]}`, w.Body.String())
}

func TestGroupsBadBusinessID(t *testing.T) {
	r := groupsRouter(t)
	for path, want := range map[string]int{
		"/api/group/999": http.StatusNotFound,
		"/api/group/abc": http.StatusBadRequest,
		"/api/group/0":   http.StatusBadRequest,
		"/api/group/-3":  http.StatusBadRequest,
		"/api/group/1.5": http.StatusBadRequest,
	} {
		w := serve(r, http.MethodGet, path, "", nil)
		require.Equal(t, want, w.Code, path)
		out := decodeGroups(t, w.Body.Bytes())
		require.Equal(t, 1, out.Code, path)
		require.Equal(t, want, out.ErrorCode, path)
		require.NotEmpty(t, out.Message, path)
		require.Empty(t, out.Msg, path)
	}
}

func TestGroupsAreRateLimitedPerClient(t *testing.T) {
	r := groupsRouter(t)
	limited := 0
	for range groupsBurst + 5 {
		if serve(r, http.MethodGet, "/api/group/1", "", nil).Code == http.StatusTooManyRequests {
			limited++
		}
	}
	require.Positive(t, limited, "a client over the burst is told to slow down")
}
