package admin

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func TestSkillGroupLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		g, err := s.CreateSkillGroup(ctx, NewSkillGroup{TenantID: models.DemoTenantID, SkillGroupFields: SkillGroupFields{Name: ptr("VIP")}})
		require.NoError(t, err)
		require.EqualValues(t, 13, g.ID, "the next free id")
		chosen, err := s.CreateSkillGroup(ctx, NewSkillGroup{ID: 500, TenantID: models.DemoTenantID, SkillGroupFields: SkillGroupFields{Name: ptr("after sales")}})
		require.NoError(t, err)
		require.EqualValues(t, 500, chosen.ID)

		updated, err := s.UpdateSkillGroup(ctx, 13, SkillGroupFields{Name: ptr("VIP 客户")})
		require.NoError(t, err)
		require.Equal(t, "VIP 客户", updated.Name)
		got, err := s.SkillGroup(ctx, 13)
		require.NoError(t, err)
		require.Equal(t, "VIP 客户", got.Name)

		all, err := s.SkillGroups(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 4, all.Total)

		_, err = s.DeleteSkillGroup(ctx, 13)
		require.NoError(t, err)
		_, err = s.SkillGroup(ctx, 13)
		requireRefused(t, err, KindNotFound, "there is no skill group 13")
	})
}

func TestSkillGroupValidationAndConflicts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		create := func(in NewSkillGroup) func() error {
			return func() error { _, err := s.CreateSkillGroup(ctx, in); return err }
		}
		unchanged(t, s, KindInvalid, "name is required", create(NewSkillGroup{TenantID: models.DemoTenantID}))
		unchanged(t, s, KindInvalid, "id must be from 1", create(NewSkillGroup{ID: -3, TenantID: models.DemoTenantID, SkillGroupFields: SkillGroupFields{Name: ptr("x")}}))
		unchanged(t, s, KindInvalid, "name must be at most 64 characters", create(NewSkillGroup{TenantID: models.DemoTenantID, SkillGroupFields: SkillGroupFields{Name: ptr(string(make([]rune, 65)))}}))
		unchanged(t, s, KindInvalid, `there is no tenant "nobody"`, create(NewSkillGroup{TenantID: "nobody", SkillGroupFields: SkillGroupFields{Name: ptr("x")}}))
		unchanged(t, s, KindConflict, `skill group id 11 is already taken (by tenant "demo")`, create(NewSkillGroup{ID: 11, TenantID: models.DemoTenantID, SkillGroupFields: SkillGroupFields{Name: ptr("x")}}))

		unchanged(t, s, KindConflict, "skill group 11 is the default of 1 channel configs and has 1 agents", func() error {
			_, err := s.DeleteSkillGroup(ctx, 11)
			return err
		})
		unchanged(t, s, KindConflict, "skill group 12 is the default of 0 channel configs and has 2 agents", func() error {
			_, err := s.DeleteSkillGroup(ctx, 12)
			return err
		})
		unchanged(t, s, KindNotFound, "there is no skill group 99", func() error {
			_, err := s.UpdateSkillGroup(ctx, 99, SkillGroupFields{Name: ptr("x")})
			return err
		})
		unchanged(t, s, KindInvalid, "name is required", func() error {
			_, err := s.UpdateSkillGroup(ctx, 11, SkillGroupFields{Name: ptr(" ")})
			return err
		})
	})
}

func TestConcurrentSkillGroupsGetDistinctIDs(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.CreateTenant(ctx, newShop("shop2", 2, "2002"))
		require.NoError(t, err)
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tenant := []string{models.DemoTenantID, "shop2"}[i%2]
				g, err := s.CreateSkillGroup(ctx, NewSkillGroup{TenantID: tenant, SkillGroupFields: SkillGroupFields{Name: ptr("g")}})
				ids[i], errs[i] = g.ID, err
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		slices.Sort(ids)
		require.Equal(t, []int64{13, 14, 15, 16, 17, 18, 19, 20}, ids)
	})
}
