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
		{[]string{"-read-url", "x", "-agent-creds", "a:b"}, "-read-url \"x\" is not an http(s) URL"},
		{[]string{"-embedded", "-read-url", "http://x"}, "-read-url needs -url"},
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
		{[]string{"-embedded", "-temporal", "127.0.0.1:7233"}, "-temporal and -embedded exclude each other"},
		{[]string{"-embedded", "-namespace", "ccflow"}, "-namespace needs -temporal"},
		{[]string{"-embedded", "-server-pid", "42"}, "-server-pid and -embedded exclude each other"},
		{[]string{"-agent-creds", "a:b", "-temporal", "localhost"}, "not host:port"},
		{[]string{"-agent-creds", "a:b", "-namespace", ""}, "-namespace must not be empty"},
		{[]string{"-embedded", "-idle", "-1s"}, "-idle must not be negative"},
		{[]string{"-embedded", "-visitors", "10", "-agents", "3", "-idle", "30s"}, "3 agents x capacity 3 < 10 visitors"},
		{[]string{"-embedded", "-burst", "-ramp", "5s"}, "-burst and -ramp exclude each other"},
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

func TestFlagMeasurements(t *testing.T) {
	c, err := parse(t, nil, "-agent-creds", "a:b", "-temporal", "10.0.0.5:7233", "-namespace", "ccflow",
		"-server-pid", "100,101", "-server-pid", "102", "-idle", "30s")
	require.NoError(t, err)
	require.Equal(t, "10.0.0.5:7233", c.Temporal)
	require.Equal(t, "ccflow", c.Namespace)
	require.Equal(t, []int{100, 101, 102}, c.ServerPIDs, "comma-separated and repeated add up")
	require.Equal(t, 30*time.Second, c.Idle)

	c, err = parse(t, nil, "-embedded")
	require.NoError(t, err)
	require.Equal(t, defaultNamespace, c.Namespace)
	require.Empty(t, c.ServerPIDs)
	require.Zero(t, c.Idle)

	_, err = parse(t, nil, "-embedded", "-server-pid", "12,x")
	var ue usageError
	require.True(t, errors.As(err, &ue), "the flag package refuses a bad pid: %v", err)
	_, err = parse(t, nil, "-embedded", "-server-pid", "0")
	require.True(t, errors.As(err, &ue), "%v", err)
}

func TestFlagIdleFitsCapacity(t *testing.T) {
	_, err := parse(t, nil, "-embedded", "-visitors", "9", "-idle", "1m")
	require.NoError(t, err, "the default agents (visitors/capacity) have room for everyone")
	_, err = parse(t, nil, "-agent-creds", "a:b", "-visitors", "50", "-idle", "1m")
	require.NoError(t, err, "existing agents' capacity is theirs to know")
}

func TestBurstStartsAllAtOnce(t *testing.T) {
	c, err := parse(t, nil, "-embedded", "-visitors", "100", "-burst")
	require.NoError(t, err)
	require.True(t, c.Burst)
	require.Zero(t, c.stagger())
}
