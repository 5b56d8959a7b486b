// Package hours decides whether a channel's agents are at work, from the
// weekly schedule an operator writes in ChannelConfig.WorkingHours.
//
// The syntax is "always" (or empty) for 24/7, or ';'-separated rules of days
// and times:
//
//	mon-fri 09:00-12:00,13:00-18:00; sat 10:00-16:00; sun closed
//
// Days are mon..sun (full names too), ranges such as mon-fri or fri-mon, and
// lists such as mon,wed. Times are HH:MM-HH:MM wall-clock ranges; 24:00 may
// end one, and a range whose end is before its start ("22:00-02:00") runs
// past midnight and belongs to the day it starts on. A later rule replaces an
// earlier one for the days it names, so "mon-sun 09:00-18:00; sun closed"
// means what it says. Days no rule names are closed.
//
// The package does no I/O beyond loading time zones and keeps no state, so
// workflow code may use it.
package hours

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	// Containers without /usr/share/zoneinfo must still know Asia/Shanghai.
	_ "time/tzdata"
)

const day = 24 * 60 * 60 // seconds

// Schedule is a channel's weekly working hours; the zero value is never open.
type Schedule struct {
	always bool
	// days holds each weekday's open spans, indexed by time.Weekday.
	days [7][]span
}

// span is [start, end) in seconds after the day's midnight; end passes one
// day for a span that runs past midnight.
type span struct{ start, end int }

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// Spaces around ',' and '-' between two day names or two times are dropped,
// so operators may write "mon - fri" or "09:00-12:00, 13:00-18:00"; only
// between like parts, so that "mon- 09:00" is still a missing day.
var (
	spacedDaySeparator  = regexp.MustCompile(`([a-z])\s*([,-])\s*([a-z])`)
	spacedTimeSeparator = regexp.MustCompile(`(\d)\s*([,-])\s*(\d)`)
)

// Parse reads a working-hours spec; its errors name the rule and the part
// that is wrong, since an operator has to find it in the channel settings.
func Parse(spec string) (Schedule, error) {
	var s Schedule
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.EqualFold(spec, "always") {
		s.always = true
		return s, nil
	}
	rules := 0
	for _, rule := range strings.Split(spec, ";") {
		if strings.TrimSpace(rule) == "" {
			continue // a trailing ';' is harmless
		}
		rules++
		days, spans, err := parseRule(rule)
		if err != nil {
			return Schedule{}, fmt.Errorf("working hours rule %q: %w", strings.TrimSpace(rule), err)
		}
		for _, d := range days {
			s.days[d] = spans
		}
	}
	if rules == 0 {
		return Schedule{}, fmt.Errorf("working hours %q: no rules (want \"always\" or rules like \"mon-fri 09:00-18:00\")", spec)
	}
	return s, nil
}

func parseRule(rule string) ([]time.Weekday, []span, error) {
	rule = spacedDaySeparator.ReplaceAllString(strings.ToLower(rule), "$1$2$3")
	fields := strings.Fields(spacedTimeSeparator.ReplaceAllString(rule, "$1$2$3"))
	if len(fields) != 2 {
		return nil, nil, fmt.Errorf(`want days and times, such as "mon-fri 09:00-18:00" or "sun closed"`)
	}
	days, err := parseDays(fields[0])
	if err != nil {
		return nil, nil, err
	}
	if fields[1] == "closed" {
		return days, nil, nil
	}
	var spans []span
	for _, r := range strings.Split(fields[1], ",") {
		if r == "closed" {
			return nil, nil, fmt.Errorf("%q mixes closed with times (a day is either closed or has times)", fields[1])
		}
		sp, err := parseSpan(r)
		if err != nil {
			return nil, nil, err
		}
		spans = append(spans, sp)
	}
	return days, spans, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, item := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		first, err := parseDay(from)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = parseDay(to); err != nil {
				return nil, err
			}
		}
		// Ranges wrap around the week, so "fri-mon" is a long weekend.
		for d := first; ; d = (d + 1) % 7 {
			days = append(days, d)
			if d == last {
				break
			}
		}
	}
	return days, nil
}

func parseDay(s string) (time.Weekday, error) {
	if d, ok := dayNames[s]; ok {
		return d, nil
	}
	if s == "" {
		return 0, fmt.Errorf("missing day (want mon, tue, wed, thu, fri, sat or sun)")
	}
	return 0, fmt.Errorf("unknown day %q (want mon, tue, wed, thu, fri, sat or sun)", s)
}

func parseSpan(s string) (span, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("bad time range %q (want HH:MM-HH:MM, or closed)", s)
	}
	start, err := parseClock(from)
	if err != nil {
		return span{}, err
	}
	if start == day {
		return span{}, fmt.Errorf("time range %q starts at 24:00 (24:00 can only end a range; start at 00:00)", s)
	}
	end, err := parseClock(to)
	if err != nil {
		return span{}, err
	}
	switch {
	case end == start:
		return span{}, fmt.Errorf("time range %q is empty (for a whole day write 00:00-24:00)", s)
	case end < start:
		end += day // past midnight, still the starting day's hours
	}
	return span{start, end}, nil
}

// parseClock reads HH:MM as seconds after midnight, allowing 24:00.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("bad time %q (want HH:MM, such as 09:00)", s)
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	switch {
	case hh == 24 && mm == 0:
	case hh > 23:
		return 0, fmt.Errorf("bad time %q: hour must be 00 to 23 (or 24:00 as an end)", s)
	case mm > 59:
		return 0, fmt.Errorf("bad time %q: minute must be 00 to 59", s)
	}
	return hh*3600 + mm*60, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Open reports whether t falls in working hours, reading t's wall clock in
// its own location: rules are what the sign on the door says, so on a
// daylight-saving day "09:00" is 09:00 local whatever the UTC offset.
func (s Schedule) Open(t time.Time) bool {
	if s.always {
		return true
	}
	h, m, sec := t.Clock()
	now := h*3600 + m*60 + sec
	d := t.Weekday()
	for _, sp := range s.days[d] {
		if sp.start <= now && now < sp.end {
			return true
		}
	}
	// Yesterday's spans that run past midnight.
	for _, sp := range s.days[(d+6)%7] {
		if now+day < sp.end {
			return true
		}
	}
	return false
}

// OpenAt reports whether the instant t falls in working hours in the time
// zone tz (an IANA name such as "Asia/Shanghai"; empty means UTC).
// The zone is checked even for a 24/7 schedule, so a misspelt zone shows up
// before the hours change.
func (s Schedule) OpenAt(t time.Time, tz string) (bool, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return false, fmt.Errorf("working hours time zone %q: %w", tz, err)
	}
	return s.Open(t.In(loc)), nil
}
