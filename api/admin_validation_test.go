package api

import (
	"net/http"
	"strings"
	"testing"
)

// Every bad request answers 400 with a message naming the problem, and writes nothing.
func TestAdminRefusesBadInput(t *testing.T) {
	e := newAdminEnv(t)
	const agent = `"tenantId":"demo","username":"agent3","password":"agent3-pass"`
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, c := range []struct{ method, path, body, message string }{
		// Bodies.
		{"POST", "/tenants", ``, "request body is empty"},
		{"POST", "/tenants", `{"id":`, "not valid JSON"},
		{"POST", "/tenants", `[1,2]`, "request body must be a JSON object"},
		{"POST", "/tenants", `{"id":"x","nmae":"typo"}`, `unknown field "nmae"`},
		{"PUT", "/agents/agent1", `{"capacity":"3"}`, "field capacity must be a int"},
		{"PUT", "/app-keys/demo-app-key", `{"secret":"chosen"}`, `unknown field "secret"`},
		{"PUT", "/agents/agent1", `{"passwordHash":"$2a$..."}`, `unknown field "passwordHash"`},
		// Tenants.
		{"POST", "/tenants", `{"name":"x","businessId":2,"appId":"2","vendorId":"v","siteId":"s"}`, "id is required"},
		{"POST", "/tenants", `{"id":"a b","name":"x","businessId":2,"appId":"2","vendorId":"v","siteId":"s"}`, "id may contain only"},
		{"POST", "/tenants", `{"id":"` + long(65) + `","name":"x","businessId":2,"appId":"2","vendorId":"v","siteId":"s"}`, "id must be at most 64 characters"},
		{"POST", "/tenants", `{"id":"t","businessId":2,"appId":"2","vendorId":"v","siteId":"s"}`, "name is required"},
		{"POST", "/tenants", `{"id":"t","name":"` + long(129) + `","businessId":2,"appId":"2","vendorId":"v","siteId":"s"}`, "name must be at most 128 characters"},
		{"POST", "/tenants", `{"id":"t","name":"x","appId":"2","vendorId":"v","siteId":"s"}`, "businessId must be from 1"},
		{"POST", "/tenants", `{"id":"t","name":"x","businessId":2,"vendorId":"v","siteId":"s"}`, "appId is required"},
		{"POST", "/tenants", `{"id":"t","name":"x","businessId":2,"appId":"2","siteId":"s"}`, "vendorId is required"},
		{"POST", "/tenants", `{"id":"t","name":"x","businessId":2,"appId":"2","vendorId":"v"}`, "siteId is required"},
		{"POST", "/tenants", `{"id":"t","name":"x","businessId":2,"appId":"2","vendorId":"v","siteId":"s","logo":"logo.png"}`, "logo must be an absolute http:// or https:// URL"},
		{"PUT", "/tenants/demo", `{"businessId":0}`, "businessId must be from 1"},
		// App keys.
		{"POST", "/app-keys", `{}`, "tenantId is required"},
		{"POST", "/app-keys", `{"tenantId":"nobody"}`, `there is no tenant "nobody"`},
		{"POST", "/app-keys", `{"tenantId":"demo","key":"a/b"}`, "key may contain only"},
		{"POST", "/app-keys", `{"tenantId":"demo","name":"` + long(65) + `"}`, "name must be at most 64 characters"},
		// Channel configs.
		{"POST", "/channel-configs", `{"tenantId":"demo","defaultSkillGroup":11}`, "name is required"},
		{"POST", "/channel-configs", `{"tenantId":"demo","name":"x"}`, "defaultSkillGroup must be from 1"},
		{"POST", "/channel-configs", `{"tenantId":"demo","name":"x","defaultSkillGroup":99}`, `defaultSkillGroup: tenant "demo" has no skill group 99`},
		{"POST", "/channel-configs", `{"tenantId":"nobody","name":"x","defaultSkillGroup":11}`, `there is no tenant "nobody"`},
		{"PUT", "/channel-configs/1011577355744904195", `{"workingHours":"weekdays 9 to 5"}`, `workingHours: working hours rule "weekdays 9 to 5"`},
		{"PUT", "/channel-configs/1011577355744904195", `{"workingHours":"mon-fri 09:00-25:00"}`, "hour must be 00 to 23"},
		{"PUT", "/channel-configs/1011577355744904195", `{"timeZone":"Asia/Peking"}`, `timeZone "Asia/Peking" is not a known IANA time zone`},
		{"PUT", "/channel-configs/1011577355744904195", `{"timeZone":""}`, "timeZone is required"},
		{"PUT", "/channel-configs/1011577355744904195", `{"locale":"fr"}`, "locale must be zh or en"},
		{"PUT", "/channel-configs/1011577355744904195", `{"maxQueueWaitSec":-1}`, "maxQueueWaitSec must be from 1 to 2592000"},
		{"PUT", "/channel-configs/1011577355744904195", `{"robotIdleSec":-1}`, "robotIdleSec must be from 1"},
		{"PUT", "/channel-configs/1011577355744904195", `{"queueIdleSec":-1}`, "queueIdleSec must be from 0"},
		{"PUT", "/channel-configs/1011577355744904195", `{"agentIdleSec":-1}`, "agentIdleSec must be from 1"},
		{"PUT", "/channel-configs/1011577355744904195", `{"satisfactionSec":-1}`, "satisfactionSec must be from 1"},
		{"PUT", "/channel-configs/1011577355744904195", `{"robotMaxMisses":-1}`, "robotMaxMisses must be from 0 to 100"},
		{"PUT", "/channel-configs/1011577355744904195", `{"robotNickname":"` + long(65) + `"}`, "robotNickname must be at most 64 characters"},
		{"PUT", "/channel-configs/1011577355744904195", `{"robotGreeting":"` + long(501) + `"}`, "robotGreeting must be at most 500 characters"},
		{"PUT", "/channel-configs/1011577355744904195", `{"name":"renamed","locale":"de","agentIdleSec":-2}`, "locale must be zh or en; agentIdleSec must be from 1"},
		// Skill groups.
		{"POST", "/skill-groups", `{"tenantId":"demo"}`, "name is required"},
		{"POST", "/skill-groups", `{"tenantId":"demo","id":-1,"name":"x"}`, "id must be from 1"},
		{"POST", "/skill-groups", `{"tenantId":"demo","name":"` + long(65) + `"}`, "name must be at most 64 characters"},
		{"POST", "/skill-groups", `{"tenantId":"nobody","name":"x"}`, `there is no tenant "nobody"`},
		{"PUT", "/skill-groups/11", `{"name":""}`, "name is required"},
		// Agents.
		{"POST", "/agents", `{"tenantId":"demo","password":"agent3-pass"}`, "username is required"},
		{"POST", "/agents", `{"tenantId":"demo","username":"agent3"}`, "password is required"},
		{"POST", "/agents", `{"tenantId":"demo","username":"agent3","password":"1234567"}`, "password must be at least 8 characters"},
		{"POST", "/agents", `{"tenantId":"demo","username":"agent3","password":"` + long(73) + `"}`, "password must be at most 72 bytes"},
		{"POST", "/agents", `{` + agent + `,"capacity":0}`, "capacity must be from 1 to 50"},
		{"POST", "/agents", `{` + agent + `,"capacity":51}`, "capacity must be from 1 to 50"},
		{"POST", "/agents", `{` + agent + `,"nickname":"` + long(65) + `"}`, "nickname must be at most 64 characters"},
		{"POST", "/agents", `{` + agent + `,"skillGroups":[11,99]}`, `skillGroups: tenant "demo" has no skill group 99`},
		{"POST", "/agents", `{` + agent + `,"avatar":"ftp://x/a.png"}`, "avatar must be an absolute http"},
		{"POST", "/agents", `{"tenantId":"nobody","username":"agent3","password":"agent3-pass"}`, `there is no tenant "nobody"`},
		{"PUT", "/agents/agent1", `{"password":"short"}`, "password must be at least 8 characters"},
		{"PUT", "/agents/agent1", `{"capacity":0,"skillGroups":[11]}`, "capacity must be from 1 to 50"},
		{"PUT", "/agents/agent1", `{"password":"a-new-password","skillGroups":[99]}`, "has no skill group 99"},
		// FAQ.
		{"POST", "/faq", `{"tenantId":"demo","answer":"a"}`, "question is required"},
		{"POST", "/faq", `{"tenantId":"demo","question":"q"}`, "answer is required"},
		{"POST", "/faq", `{"tenantId":"demo","question":"` + long(501) + `","answer":"a"}`, "question must be at most 500 characters"},
		{"POST", "/faq", `{"tenantId":"demo","question":"q","answer":"` + long(2001) + `"}`, "answer must be at most 2000 characters"},
		{"POST", "/faq", `{"tenantId":"demo","question":"q","answer":"a","keywords":"` + long(501) + `"}`, "keywords must be at most 500 characters"},
		{"PUT", "/faq/1", `{"answer":"  "}`, "answer is required"},
		// Webhooks.
		{"POST", "/webhooks", `{"tenantId":"demo"}`, "url is required"},
		{"POST", "/webhooks", `{"tenantId":"demo","url":"hooks.example.com/x"}`, "url must be an absolute http:// or https:// URL"},
		{"POST", "/webhooks", `{"tenantId":"demo","url":"ftp://hooks.example.com/x"}`, "url must be an absolute http:// or https:// URL"},
		{"POST", "/webhooks", `{"tenantId":"demo","url":"https://` + long(1020) + `"}`, "url must be at most 1024 characters"},
		{"POST", "/webhooks", `{"tenantId":"demo","url":"https://u:p@hooks.example.com/"}`, "url must not contain a user name or password"},
		// Lists.
		{"GET", "/faq?limit=0", ``, "limit must be an integer from 1 to 500"},
		{"GET", "/faq?limit=501", ``, "limit must be an integer from 1 to 500"},
		{"GET", "/tenants?limit=ten", ``, "limit must be an integer from 1 to 500"},
		{"GET", "/agents?offset=-1", ``, "offset must be an integer from 0"},
	} {
		t.Run(c.method+" "+c.path+" "+c.message, func(t *testing.T) {
			e.t = t
			e.refused(http.StatusBadRequest, "bad_request", c.message, c.method, c.path, c.body)
		})
	}
}

func TestAdminConflictsAndUnknownIDs(t *testing.T) {
	e := newAdminEnv(t)
	for _, c := range []struct {
		status                            int
		code, method, path, body, message string
	}{
		{409, "conflict", "POST", "/tenants", `{"id":"demo","name":"x","businessId":9,"appId":"9","vendorId":"v","siteId":"s"}`, `tenant "demo" already exists`},
		{409, "conflict", "POST", "/tenants", `{"id":"t2","name":"x","businessId":1,"appId":"9","vendorId":"v","siteId":"s"}`, `businessId 1 is already used by tenant "demo"`},
		{409, "conflict", "POST", "/tenants", `{"id":"t2","name":"x","businessId":9,"appId":"1001","vendorId":"v","siteId":"s"}`, `appId "1001" is already used by tenant "demo"`},
		{409, "conflict", "DELETE", "/tenants/demo", ``, `tenant "demo" still has app keys (1), channel configs (1), skill groups (2), agents (2), FAQ entries (19)`},
		{409, "conflict", "POST", "/agents", `{"tenantId":"demo","username":"agent1","id":"a9","password":"agent9-pass"}`, `username "agent1" is already taken`},
		{409, "conflict", "POST", "/agents", `{"tenantId":"demo","username":"a9","id":"agent2","password":"agent9-pass"}`, `agent "agent2" already exists`},
		{409, "conflict", "POST", "/skill-groups", `{"tenantId":"demo","id":12,"name":"x"}`, "skill group id 12 is already taken"},
		{409, "conflict", "DELETE", "/skill-groups/11", ``, "skill group 11 is the default of 1 channel configs"},
		{409, "conflict", "POST", "/channel-configs", `{"id":"1011577355744904195","tenantId":"demo","name":"x","defaultSkillGroup":11}`, "already exists"},
		{404, "not_found", "GET", "/tenants/nobody", ``, "there is no tenant nobody"},
		{404, "not_found", "PUT", "/tenants/nobody", `{"name":"x"}`, "there is no tenant nobody"},
		{404, "not_found", "DELETE", "/app-keys/nope", ``, "there is no app key nope"},
		{404, "not_found", "PUT", "/channel-configs/42", `{"name":"x"}`, "there is no channel config 42"},
		{404, "not_found", "GET", "/skill-groups/abc", ``, `there is no skill group "abc"`},
		{404, "not_found", "DELETE", "/skill-groups/0", ``, `there is no skill group "0"`},
		{404, "not_found", "PUT", "/agents/nobody", `{"capacity":2}`, "there is no agent nobody"},
		{404, "not_found", "DELETE", "/faq/99999", ``, "there is no FAQ entry 99999"},
		{404, "not_found", "GET", "/faq/-1", ``, `there is no FAQ entry "-1"`},
		{404, "not_found", "POST", "/webhooks/5/rotate", ``, "there is no webhook 5"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			e.t = t
			e.refused(c.status, c.code, c.message, c.method, c.path, c.body)
		})
	}
}
