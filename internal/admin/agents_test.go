package admin

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccflow/ccflow/models"
)

func newAgent(username string, groups ...int64) NewAgent {
	return NewAgent{TenantID: models.DemoTenantID, Username: username, AgentFields: AgentFields{
		Password: ptr("s3cret-pass"), Capacity: ptr(5), SkillGroups: &groups,
	}}
}

func TestAgentLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, err := s.CreateAgent(ctx, newAgent("agent3", 12, 11, 12))
		require.NoError(t, err)
		require.Equal(t, "agent3", a.ID, "the id defaults to the username")
		require.Equal(t, "agent3", a.Nickname, "so does the nickname")
		require.Equal(t, 5, a.Capacity)
		require.Equal(t, []int64{11, 12}, a.SkillGroups, "sorted, without duplicates")
		require.NoError(t, bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte("s3cret-pass")))

		got, err := s.Agent(ctx, "agent3")
		require.NoError(t, err)
		require.Equal(t, []int64{11, 12}, got.SkillGroups)

		updated, err := s.UpdateAgent(ctx, "agent3", AgentFields{Nickname: ptr("小三"), Capacity: ptr(50), SkillGroups: &[]int64{12}, Password: ptr("another-pass")})
		require.NoError(t, err)
		require.Equal(t, "小三", updated.Nickname)
		require.Equal(t, 50, updated.Capacity)
		require.Equal(t, []int64{12}, updated.SkillGroups)
		got, err = s.Agent(ctx, "agent3")
		require.NoError(t, err)
		require.Equal(t, []int64{12}, got.SkillGroups)
		require.NoError(t, bcrypt.CompareHashAndPassword([]byte(got.PasswordHash), []byte("another-pass")))

		kept, err := s.UpdateAgent(ctx, "agent3", AgentFields{Capacity: ptr(1)})
		require.NoError(t, err)
		require.Equal(t, []int64{12}, kept.SkillGroups, "skill groups not given stay")
		require.Equal(t, got.PasswordHash, kept.PasswordHash, "so does the password")

		none, err := s.UpdateAgent(ctx, "agent3", AgentFields{SkillGroups: &[]int64{}})
		require.NoError(t, err)
		require.Empty(t, none.SkillGroups)

		all, err := s.Agents(ctx, models.DemoTenantID, Page{})
		require.NoError(t, err)
		require.EqualValues(t, 3, all.Total)
		require.Equal(t, []int64{11, 12}, all.Items[0].SkillGroups)
		require.Equal(t, []int64{12}, all.Items[1].SkillGroups)
		require.Empty(t, all.Items[2].SkillGroups)

		_, err = s.UpdateAgent(ctx, "agent3", AgentFields{SkillGroups: &[]int64{11}})
		require.NoError(t, err)
		_, err = s.DeleteAgent(ctx, "agent3")
		require.NoError(t, err)
		_, err = s.Agent(ctx, "agent3")
		requireRefused(t, err, KindNotFound, "there is no agent agent3")
		var left int64
		require.NoError(t, s.DB.Model(&models.AgentSkill{}).Where("agent_id = ?", "agent3").Count(&left).Error)
		require.Zero(t, left, "its skill rows go with it")
	})
}

func TestAgentValidationAndConflicts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.CreateTenant(ctx, newShop("shop2", 2, "2002"))
		require.NoError(t, err)
		_, err = s.CreateSkillGroup(ctx, NewSkillGroup{ID: 21, TenantID: "shop2", SkillGroupFields: SkillGroupFields{Name: ptr("other")}})
		require.NoError(t, err)
		create := func(f func(*NewAgent)) func() error {
			return func() error {
				in := newAgent("agent3", 11)
				f(&in)
				_, err := s.CreateAgent(ctx, in)
				return err
			}
		}
		for msg, f := range map[string]func(*NewAgent){
			"username is required":                                 func(in *NewAgent) { in.Username = "" },
			"username may contain only":                            func(in *NewAgent) { in.Username = "a b" },
			"password is required":                                 func(in *NewAgent) { in.Password = nil },
			"password must be at least 8 characters":               func(in *NewAgent) { in.Password = ptr("short") },
			"password must be at most 72 bytes":                    func(in *NewAgent) { in.Password = ptr(string(make([]byte, 73))) },
			"capacity must be from 1 to 50":                        func(in *NewAgent) { in.Capacity = ptr(0) },
			"avatar must be an absolute http":                      func(in *NewAgent) { in.Avatar = ptr("/img/a.png") },
			`skillGroups: tenant "demo" has no skill group 21, 99`: func(in *NewAgent) { in.SkillGroups = &[]int64{11, 21, 99} },
			`there is no tenant "nobody"`:                          func(in *NewAgent) { in.TenantID = "nobody" },
		} {
			unchanged(t, s, KindInvalid, msg, create(f))
		}
		unchanged(t, s, KindInvalid, "capacity must be from 1 to 50", create(func(in *NewAgent) { in.Capacity = ptr(51) }))
		unchanged(t, s, KindConflict, `username "agent1" is already taken`, create(func(in *NewAgent) { in.Username = "agent1"; in.ID = "agent9" }))
		unchanged(t, s, KindConflict, `agent "agent1" already exists`, create(func(in *NewAgent) { in.ID = "agent1" }))

		// One refused field refuses the whole update: password and skills stay.
		unchanged(t, s, KindInvalid, `tenant "demo" has no skill group 21`, func() error {
			_, err := s.UpdateAgent(ctx, "agent1", AgentFields{Password: ptr("new-password"), SkillGroups: &[]int64{21}})
			return err
		})
		unchanged(t, s, KindInvalid, "capacity must be from 1 to 50", func() error {
			_, err := s.UpdateAgent(ctx, "agent1", AgentFields{Capacity: ptr(-1), SkillGroups: &[]int64{11}})
			return err
		})
		unchanged(t, s, KindInvalid, "password must be at least 8", func() error {
			_, err := s.UpdateAgent(ctx, "agent1", AgentFields{Password: ptr("")})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no agent nobody", func() error {
			_, err := s.UpdateAgent(ctx, "nobody", AgentFields{Capacity: ptr(2)})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no agent nobody", func() error {
			_, err := s.DeleteAgent(ctx, "nobody")
			return err
		})
	})
}

func TestConcurrentAgentsWithOneUsernameMakeOneAgent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := newAgent("same", 11)
				in.ID = fmt.Sprintf("id-%d", i)
				_, errs[i] = s.CreateAgent(ctx, in)
			})
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			if err == nil {
				created++
				continue
			}
			require.Equal(t, KindConflict, kind(err), "a clash is a conflict, never a database error: %v", err)
		}
		require.Equal(t, 1, created)
	})
}

func TestAgentRole(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, err := s.CreateAgent(ctx, newAgent("agent3", 11))
		require.NoError(t, err)
		require.Equal(t, RoleAgent, a.Role, "an agent unless said otherwise")

		up, err := s.UpdateAgent(ctx, "agent3", AgentFields{Role: ptr(" supervisor ")})
		require.NoError(t, err)
		require.Equal(t, RoleSupervisor, up.Role)
		got, err := s.Agent(ctx, "agent3")
		require.NoError(t, err)
		require.Equal(t, RoleSupervisor, got.Role, "stored")

		_, err = s.UpdateAgent(ctx, "agent3", AgentFields{Role: ptr("admin")})
		require.ErrorContains(t, err, `role must be "agent" or "supervisor"`)
		in := newAgent("agent4", 11)
		in.Role = ptr("boss")
		_, err = s.CreateAgent(ctx, in)
		require.ErrorContains(t, err, "role must be")
	})
}
