package outboundcall

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/models"
	"github.com/ccflow/ccflow/models/modelstest"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// fakeFlows stands in for the workflow: it refuses a second dial.
type fakeFlows struct {
	dialed  map[string]bool
	news    []string
	dialErr error
}

func (f *fakeFlows) Start(context.Context, flow.Start) error { return nil }

func (f *fakeFlows) Dial(_ context.Context, serial string) error {
	if f.dialErr != nil {
		return f.dialErr
	}
	if f.dialed[serial] {
		return &RefusedError{flow.DescUsed}
	}
	f.dialed[serial] = true
	return nil
}

func (f *fakeFlows) Answered(_ context.Context, serial string) error {
	f.news = append(f.news, "answered "+serial)
	return nil
}

func (f *fakeFlows) Ended(_ context.Context, serial string, e flow.LegEnded) error {
	f.news = append(f.news, "ended "+serial+" "+string(e.Side))
	return nil
}

func newService(t *testing.T) (*Service, *fakeFlows, *time.Time) {
	db := modelstest.SQLiteDB(t)
	_, err := models.SeedDemo(context.Background(), db)
	require.NoError(t, err)
	now := time.Now().UTC()
	store := &outbound.Store{DB: db, Now: func() time.Time { return now }}
	require.NoError(t, store.SetEnabled(context.Background(), models.DemoTenantID, true))
	f := &fakeFlows{dialed: map[string]bool{}}
	return &Service{Store: store, Flows: f, Settings: Settings{
		Enabled: true, ServiceAddress: "127.0.0.1:5060", TrunkConfigured: true, AccessCodePrefix: "55",
		AccessCodeTTL: time.Minute, DialTimeout: time.Minute, MaxDuration: time.Hour,
	}}, f, &now
}

func TestClaimOpensACallOnce(t *testing.T) {
	ctx := context.Background()
	s, f, now := newService(t)
	res, err := s.Create(ctx, Request{TenantID: models.DemoTenantID, AppKey: models.DemoAppKey, Called: "88884432", CallerPresent: "95599"})
	require.NoError(t, err)
	require.Equal(t, CodeOK, res.Code)
	require.Regexp(t, `^55[0-9]{12}$`, res.Data.AccessCode)

	leg, err := s.Claim(ctx, res.Data.AccessCode)
	require.NoError(t, err)
	require.Equal(t, Leg{CallSerialNo: res.Data.CallSerialNo, Called: "88884432", CallerPresent: "95599"}, leg)
	_, err = s.Claim(ctx, res.Data.AccessCode)
	var refused *RefusedError
	require.ErrorAs(t, err, &refused, "a used code")

	_, err = s.Claim(ctx, "55000000000000")
	require.ErrorIs(t, err, outbound.ErrNotFound)

	res2, err := s.Create(ctx, Request{TenantID: models.DemoTenantID, Called: "88884433"})
	require.NoError(t, err)
	*now = now.Add(time.Minute)
	_, err = s.Claim(ctx, res2.Data.AccessCode)
	require.ErrorIs(t, err, ErrExpired, "past its expiry, even before the workflow's timer ends it")
	require.False(t, f.dialed[res2.Data.CallSerialNo])

	*now = now.Add(-30 * time.Second)
	f.dialErr = errors.New("temporal down")
	_, err = s.Claim(ctx, res2.Data.AccessCode)
	require.ErrorContains(t, err, "temporal down")

	require.NoError(t, s.Answered(ctx, "x"))
	require.NoError(t, s.Ended(ctx, "x", flow.LegEnded{Side: flow.SideApp}))
	require.Equal(t, []string{"answered x", "ended x app"}, f.news)
}

// A tenant's own trunk goes with the next call it claims, and a tenant
// without the process's default trunk can still call through its own.
func TestClaimDialsTheTenantsTrunk(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	s.Settings.TrunkConfigured = false
	res, err := s.Create(ctx, Request{TenantID: models.DemoTenantID, Called: "88884432"})
	require.NoError(t, err)
	require.Equal(t, CodeNoSIPServer, res.Code, "no default trunk and none of its own")

	own := outbound.Trunk{Addr: "192.0.2.10:5070", Username: "t1", Password: "p1"}
	require.NoError(t, s.Store.SetTenantTrunk(ctx, models.DemoTenantID, own, false))
	res, err = s.Create(ctx, Request{TenantID: models.DemoTenantID, Called: "88884432"})
	require.NoError(t, err)
	require.Equal(t, CodeOK, res.Code, "its own trunk is enough")
	res2, err := s.Create(ctx, Request{TenantID: models.DemoTenantID, Called: "88884433"})
	require.NoError(t, err)

	leg, err := s.Claim(ctx, res.Data.AccessCode)
	require.NoError(t, err)
	require.Equal(t, &own, leg.Trunk)

	require.NoError(t, s.Store.DeleteTenantTrunk(ctx, models.DemoTenantID))
	leg, err = s.Claim(ctx, res2.Data.AccessCode)
	require.NoError(t, err)
	require.Nil(t, leg.Trunk, "back to the process's default at the next call")
}

func TestTrunkNeverPrintsItsPassword(t *testing.T) {
	tr := outbound.Trunk{Addr: "192.0.2.10:5070", Username: "t1", Password: "s3cret-pw"}
	for _, s := range []string{fmt.Sprint(tr), fmt.Sprintf("%+v %#v %s", tr, tr, tr), tr.LogValue().String()} {
		require.NotContains(t, s, "s3cret-pw")
		require.Contains(t, s, "192.0.2.10:5070")
	}
}
