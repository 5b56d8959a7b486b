package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Admin API (ccflow's own, /api/admin/v1). ccbench only creates and deletes
// agents; every name of that contract it relies on is in this file.
const adminAgentsPath = "/api/admin/v1/agents"

// agentAccount is an agent ccbench logs in as: one it created (ID set, to
// delete at the end) or one given with -agent-creds.
type agentAccount struct {
	ID       string
	Username string
	Password string
}

// adminClient creates and deletes agents with the admin key. fallbackKey,
// when set, yields another key to try after a 401 (the all-in-one's
// generated key file).
type adminClient struct {
	c           *caller
	key         string
	fallbackKey func() (string, error)
}

// createAgentRequest is the admin API's agent body.
type createAgentRequest struct {
	TenantID    string  `json:"tenantId"`
	Username    string  `json:"username"`
	Nickname    string  `json:"nickname"`
	Password    string  `json:"password"`
	Capacity    int     `json:"capacity"`
	SkillGroups []int64 `json:"skillGroups"`
}

func (a *adminClient) headers() map[string]string {
	return map[string]string{"Authorization": "Bearer " + a.key}
}

// createAgent creates one agent and returns its id.
func (a *adminClient) createAgent(ctx context.Context, req createAgentRequest) (string, error) {
	var ans struct {
		ID any `json:"id"`
	}
	c := call{op: "admin create agent", method: http.MethodPost, path: adminAgentsPath, body: req, out: &ans}
	c.headers = a.headers()
	_, err := a.c.do(ctx, c)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized && a.fallbackKey != nil {
		key, kerr := a.fallbackKey()
		if kerr != nil || key == "" || key == a.key {
			return "", err
		}
		a.key = key
		c.headers = a.headers()
		_, err = a.c.do(ctx, c)
	}
	if err != nil {
		return "", err
	}
	if ans.ID == nil || fmt.Sprint(ans.ID) == "" {
		return "", fmt.Errorf("admin create agent %s: answer has no id", req.Username)
	}
	// The id may be a number or a string; either way it goes into a path.
	return fmt.Sprint(ans.ID), nil
}

// deleteAgent removes an agent ccbench created.
func (a *adminClient) deleteAgent(ctx context.Context, id string) error {
	_, err := a.c.doRetry(ctx, 3, call{
		op: "admin delete agent", method: http.MethodDelete, path: adminAgentsPath + "/" + url.PathEscape(id),
		headers: a.headers(),
	})
	return err
}

// provisionAgents creates n agents of capacity in the skill group. It stops
// at the first failure and returns what it created so far, so the caller
// can delete those.
func provisionAgents(ctx context.Context, admin *adminClient, cfg config, runID string) ([]agentAccount, error) {
	var out []agentAccount
	for i := 1; i <= cfg.Agents; i++ {
		acct := agentAccount{Username: fmt.Sprintf("bench-%s-%d", runID, i), Password: rand.Text()[:16]}
		id, err := admin.createAgent(ctx, createAgentRequest{
			TenantID: cfg.Tenant, Username: acct.Username, Nickname: fmt.Sprintf("Bench %d", i),
			Password: acct.Password, Capacity: cfg.Capacity, SkillGroups: []int64{cfg.SkillGroup},
		})
		if err != nil {
			return out, fmt.Errorf("create agent %d of %d: %w", i, cfg.Agents, err)
		}
		acct.ID = id
		out = append(out, acct)
	}
	return out, nil
}
