package main

import (
	"errors"
	"flag"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, env map[string]string, args ...string) (config, error) {
	t.Helper()
	return parseConfig(args, func(k string) string { return env[k] }, io.Discard)
}

func TestFlagDefaultsEmbedded(t *testing.T) {
	c, err := parse(t, nil, "-embedded")
	require.NoError(t, err)
	require.True(t, c.Embedded)
	require.Equal(t, 10, c.Visitors)
	require.Equal(t, 4, c.Agents, "10 visitors at capacity 3 need 4 agents")
	require.Equal(t, 3, c.Capacity)
	require.Equal(t, 10, c.Messages)
	require.Equal(t, 10*time.Minute, c.Timeout)
	require.Equal(t, "demo-app-key", c.AppKey)
	require.Equal(t, "1011577355744904195", c.Channel)
	require.Equal(t, int64(11), c.SkillGroup)
	require.Equal(t, defaultStagger, c.stagger())
}

func TestFlagAgentsDefaultRoundsUp(t *testing.T) {
	for _, tc := range []struct{ visitors, capacity, want int }{{1, 3, 1}, {3, 3, 1}, {4, 3, 2}, {9, 3, 3}, {10, 1, 10}} {
		c, err := parse(t, nil, "-embedded", "-visitors", strconv.Itoa(tc.visitors), "-capacity", strconv.Itoa(tc.capacity))
		require.NoError(t, err)
		require.Equal(t, tc.want, c.Agents, "%d visitors at capacity %d", tc.visitors, tc.capacity)
	}
	c, err := parse(t, nil, "-embedded", "-agents", "7")
	require.NoError(t, err)
	require.Equal(t, 7, c.Agents)
}

func TestFlagURLModeNeedsAgents(t *testing.T) {
	_, err := parse(t, nil, "-url", "http://127.0.0.1:9")
	require.ErrorContains(t, err, "-admin-key")

	c, err := parse(t, map[string]string{"CCFLOW_ADMIN_KEY": "k"}, "-url", "http://127.0.0.1:9")
	require.NoError(t, err)
	require.Equal(t, "k", c.AdminKey)

	c, err = parse(t, nil, "-agent-creds", "agent1:agent1-pass, agent2:a:b")
	require.NoError(t, err)
	require.Equal(t, []agentCred{{"agent1", "agent1-pass"}, {"agent2", "a:b"}}, c.AgentCreds)
	require.Equal(t, 2, c.Agents, "the credentials given are the agents")
}

func TestFlagEmbeddedIgnoresEnvAdminKey(t *testing.T) {
	c, err := parse(t, map[string]string{"CCFLOW_ADMIN_KEY": "k"}, "-embedded")
	require.NoError(t, err)
	require.Empty(t, c.AdminKey, "the child gets a key of ccbench's own unless -admin-key says otherwise")
}

func TestFlagValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-embedded", "-url", "http://x"}, "exclude each other"},
		{[]string{"-ccflow", "/bin/true", "-agent-creds", "a:b"}, "-ccflow needs -embedded"},
		{[]string{"-url", "ftp://x", "-agent-creds", "a:b"}, "not an http(s) URL"},
		{[]string{"-url", "http://", "-agent-creds", "a:b"}, "not an http(s) URL"},
		{[]string{"-embedded", "-visitors", "0"}, "-visitors must be at least 1"},
		{[]string{"-embedded", "-agents", "-1"}, "-agents must be at least 1"},
		{[]string{"-embedded", "-capacity", "0"}, "-capacity must be at least 1"},
		{[]string{"-embedded", "-messages", "0"}, "-messages must be at least 1"},
		{[]string{"-embedded", "-ramp", "-1s"}, "-ramp must not be negative"},
		{[]string{"-embedded", "-think", "-2s"}, "-think must not be negative"},
		{[]string{"-embedded", "-timeout", "0"}, "-timeout must be positive"},
		{[]string{"-embedded", "-grace", "0"}, "-grace must be positive"},
		{[]string{"-embedded", "-poll-wait", "31s"}, "-poll-wait"},
		{[]string{"-embedded", "-poll-wait", "1500ms"}, "-poll-wait"},
		{[]string{"-embedded", "-app-key", ""}, "must not be empty"},
		{[]string{"-embedded", "-skill-group", "0"}, "-skill-group"},
		{[]string{"-embedded", "-agent-creds", "nopass"}, "not user:password"},
		{[]string{"-embedded", "-agent-creds", "a:"}, "not user:password"},
		{[]string{"-embedded", "-admin-key", "short"}, "at least 16 characters"},
	} {
		_, err := parse(t, nil, tc.args...)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}

func TestFlagValidationReportsEveryProblem(t *testing.T) {
	_, err := parse(t, nil, "-embedded", "-visitors", "0", "-messages", "0")
	require.ErrorContains(t, err, "-visitors")
	require.ErrorContains(t, err, "-messages")
}

func TestFlagParseErrors(t *testing.T) {
	_, err := parse(t, nil, "-no-such-flag")
	var ue usageError
	require.True(t, errors.As(err, &ue), "the flag package has printed it: %v", err)

	_, err = parse(t, nil, "-h")
	require.True(t, errors.Is(err, flag.ErrHelp))

	_, err = parse(t, nil, "-embedded", "extra")
	require.ErrorContains(t, err, "unexpected arguments")
}

func TestStagger(t *testing.T) {
	c, err := parse(t, nil, "-embedded", "-visitors", "11", "-ramp", "10s")
	require.NoError(t, err)
	require.Equal(t, time.Second, c.stagger(), "the last of 11 visitors starts at 10s")
}
