package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func sys(text string) downlink { return downlink{SourceType: sourceSystem, Content: text} }

func TestAssignmentKnownTexts(t *testing.T) {
	match := (&benchVisitor{}).assignment()
	ok, err := match(downlink{SourceType: sourceRobot, Content: "hello"})
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = match(sys(textsQueued[0]))
	require.NoError(t, err)
	require.False(t, ok, "the queue notice mentions 座席 but is not the assignment")
	ok, err = match(sys(textsConnected[0]))
	require.NoError(t, err)
	require.True(t, ok)
}

func TestAssignmentByPositionForUnknownTexts(t *testing.T) {
	match := (&benchVisitor{}).assignment()
	ok, err := match(sys("please hold"))
	require.NoError(t, err)
	require.False(t, ok, "the first SYSTEM text after the transfer is the queue notice")
	ok, err = match(sys("you are talking to Ann"))
	require.NoError(t, err)
	require.True(t, ok, "the next one is the assignment")
}

func TestAssignmentQueueTimeoutFails(t *testing.T) {
	match := (&benchVisitor{}).assignment()
	_, err := match(sys(textsQueued[1]))
	require.NoError(t, err)
	_, err = match(sys(textsQueueTimeout[0]))
	require.ErrorContains(t, err, "queue timeout")
	_, err = (&benchVisitor{}).assignment()(sys(textsClosed[0]))
	require.ErrorContains(t, err, "ended while queued")
}

func TestAssignmentAgentMessage(t *testing.T) {
	ok, err := (&benchVisitor{}).assignment()(downlink{SourceType: sourceAgent, Content: "hi"})
	require.NoError(t, err)
	require.True(t, ok)
}

func TestRateAsk(t *testing.T) {
	match := (&benchVisitor{}).rateAsk()
	for _, m := range []downlink{{SourceType: sourceAgent, Content: "a2v x 1 n"}, sys(textsConnected[1]), sys(textsQueued[2])} {
		ok, err := match(m)
		require.NoError(t, err)
		require.False(t, ok, "%+v", m)
	}
	ok, err := match(sys(textsRateAsk[0]))
	require.NoError(t, err)
	require.True(t, ok)
	_, err = match(sys(textsClosed[1]))
	require.ErrorContains(t, err, "without asking for a rating")
}

func TestBenchMessageRoundTrip(t *testing.T) {
	m := benchMessage{dir: "v2a", visitor: "bench-abc-v3", index: 7, nonce: "n0nce"}
	require.Equal(t, "v2a bench-abc-v3 7 n0nce", m.String())
	got, ok := parseBenchMessage(m.String())
	require.True(t, ok)
	require.Equal(t, m, got)
	for _, bad := range []string{"", "v2a x 1", "v2a x one n", "v2a x 0 n", "v2a x 1 n extra"} {
		_, ok := parseBenchMessage(bad)
		require.False(t, ok, bad)
	}
}
