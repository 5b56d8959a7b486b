package routing

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// queueInfo computes spec 003 §4's numbers for the conversation of a workflow.
func (r *router) queueInfo(q QueueInfoRequest, now time.Time) QueueInfo {
	queue := r.Queue
	i := slices.IndexFunc(queue, func(e Entry) bool { return e.WorkflowID == q.WorkflowID })
	if i < 0 {
		if q.QueuedAt.IsZero() {
			return QueueInfo{}
		}
		// Its queue request is on the way: the conversation is last in line.
		queue = append(slices.Clone(queue), Entry{WorkflowID: q.WorkflowID, SkillGroupID: q.SkillGroupID, QueuedAt: q.QueuedAt, MaxWait: q.MaxWait})
		i = len(queue) - 1
	}
	me := queue[i]
	info := QueueInfo{
		Found: true, SkillGroupID: me.SkillGroupID, Position: 1,
		TotalWaitTime: secs(now.Sub(me.QueuedAt)), ConfigMaxcWaitTime: secs(me.MaxWait),
		EstimateWaitTime: r.estimate(me.SkillGroupID, now),
	}
	var sum time.Duration
	n := 0
	for j, e := range queue {
		if e.SkillGroupID != me.SkillGroupID {
			continue
		}
		if j < i {
			info.Position++
		}
		wait := now.Sub(e.QueuedAt)
		info.LongestWaitTime = max(info.LongestWaitTime, secs(wait))
		sum += wait
		n++
	}
	info.CurrentDeviceWaitTime = secs(sum / time.Duration(n))
	return info
}

// estimate is the mean of the recent real waits (queued to assigned) in the
// group, or 0 while there are none.
func (r *router) estimate(group int64, now time.Time) int {
	var sum time.Duration
	n := 0
	for _, w := range r.Waits {
		if w.SkillGroupID == group && now.Sub(w.At) <= waitsWindow {
			sum += w.Wait
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return secs(sum / time.Duration(n))
}

func (r *router) queues(now time.Time) Queues {
	q := Queues{Waiting: slices.Clone(r.Queue), Agents: slices.Clone(r.Agents), Estimates: map[int64]int{}}
	for _, e := range r.Queue {
		q.Estimates[e.SkillGroupID] = r.estimate(e.SkillGroupID, now)
	}
	for _, w := range r.Waits {
		q.Estimates[w.SkillGroupID] = r.estimate(w.SkillGroupID, now)
	}
	return q
}

func secs(d time.Duration) int {
	if d < 0 {
		return 0
	}
	return int(d / time.Second)
}

// details is the line Temporal UI shows for the tenant's routing: per skill
// group, who waits and since when, and how many agents could take them. It
// names the oldest wait's start, not its length: the line is set when routing
// acts, and a length would be stale the moment nothing happens ("longest 0s"
// for a visitor waiting for minutes).
func (r *router) details() string {
	var groups []int64
	for _, e := range r.Queue {
		groups = append(groups, e.SkillGroupID)
	}
	for _, a := range r.Agents {
		groups = append(groups, a.SkillGroups...)
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		waiting, oldest := 0, time.Time{}
		for _, e := range r.Queue {
			if e.SkillGroupID == g {
				waiting++
				if oldest.IsZero() || e.QueuedAt.Before(oldest) {
					oldest = e.QueuedAt
				}
			}
		}
		queue := "none waiting"
		if waiting > 0 {
			queue = fmt.Sprintf("%d waiting since %s", waiting, oldest.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		ready, load, capacity := 0, 0, 0
		for _, a := range r.Agents {
			if a.Status == StatusReady && slices.Contains(a.SkillGroups, g) {
				ready++
				load += len(a.Conversations)
				capacity += a.Capacity
			}
		}
		parts = append(parts, fmt.Sprintf("group %d: %s, %d agents ready with %d/%d chats",
			g, queue, ready, load, capacity))
	}
	if len(parts) == 0 {
		return "no queues or agents yet"
	}
	return strings.Join(parts, "; ")
}
