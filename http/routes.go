package http

import (
	nethttp "net/http"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// Route is one served route: a method and a net/http pattern, the
// permission the caller needs, and how large a body it reads.
type Route struct {
	Method  string
	Pattern string
	Perm    rumbo.Permission
	// Upload routes read bodies up to Config.UploadLimit instead of
	// Config.BodyLimit.
	Upload bool
	h      handlerFunc
}

// handlerFunc handles an authorised request; c is nil on public routes.
type handlerFunc func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error

// routeTable lists every route of the server. The authorisation matrix
// test and the OpenAPI test enumerate it, so a route added here without
// its matrix entry or its documentation fails them.
func (s *Server) routeTable() []Route {
	rs := []Route{
		{Method: "GET", Pattern: "/healthz", Perm: rumbo.PermPublic, h: s.healthz},
		{Method: "GET", Pattern: "/readyz", Perm: rumbo.PermPublic, h: s.readyz},

		{Method: "POST", Pattern: "/api/v1/login", Perm: rumbo.PermPublic, h: s.login},
		{Method: "POST", Pattern: "/api/v1/invites/accept", Perm: rumbo.PermPublic, h: s.acceptInvite},
		{Method: "POST", Pattern: "/api/v1/logout", Perm: rumbo.PermSignedIn, h: s.logout},
		{Method: "GET", Pattern: "/api/v1/me", Perm: rumbo.PermSignedIn, h: s.me},

		{Method: "GET", Pattern: "/api/v1/orgs", Perm: rumbo.PermSignedIn, h: s.listOrgs},
		{Method: "GET", Pattern: "/api/v1/org", Perm: rumbo.PermOrgRead, h: s.getOrg},
		{Method: "PATCH", Pattern: "/api/v1/org", Perm: rumbo.PermOrgWrite, h: s.patchOrg},

		{Method: "GET", Pattern: "/api/v1/users", Perm: rumbo.PermUsersManage, h: s.listUsers},
		{Method: "POST", Pattern: "/api/v1/users", Perm: rumbo.PermUsersManage, h: s.inviteUser},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Perm: rumbo.PermUsersManage, h: s.patchUser},
		{Method: "DELETE", Pattern: "/api/v1/users/{id}", Perm: rumbo.PermUsersManage, h: s.removeUser},
		{Method: "POST", Pattern: "/api/v1/users/{id}/password-reset", Perm: rumbo.PermUsersManage, h: s.resetPassword},

		{Method: "GET", Pattern: "/api/v1/tokens", Perm: rumbo.PermSignedIn, h: s.listTokens},
		{Method: "POST", Pattern: "/api/v1/tokens", Perm: rumbo.PermOrgRead, h: s.createToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Perm: rumbo.PermSignedIn, h: s.revokeToken},

		{Method: "GET", Pattern: "/api/v1/kpis", Perm: rumbo.PermKPIsRead, h: s.listKPIs},
		{Method: "GET", Pattern: "/api/v1/kpis/{key}/values", Perm: rumbo.PermKPIsRead, h: s.kpiValues},
		{Method: "GET", Pattern: "/api/v1/kpis/{key}/bands", Perm: rumbo.PermKPIsRead, h: s.getBands},
		{Method: "PUT", Pattern: "/api/v1/kpis/{key}/bands", Perm: rumbo.PermKPIsWrite, h: s.putBands},
		{Method: "GET", Pattern: "/api/v1/targets", Perm: rumbo.PermKPIsRead, h: s.listTargets},
		{Method: "POST", Pattern: "/api/v1/targets", Perm: rumbo.PermKPIsWrite, h: s.createTarget},
		{Method: "DELETE", Pattern: "/api/v1/targets/{id}", Perm: rumbo.PermKPIsWrite, h: s.deleteTarget},

		{Method: "GET", Pattern: "/api/v1/openapi.json", Perm: rumbo.PermPublic, h: s.openAPI},

		{Method: "GET", Pattern: "/api/v1/imports", Perm: rumbo.PermImport, h: s.listImports},
		{Method: "POST", Pattern: "/api/v1/imports", Perm: rumbo.PermImport, Upload: true, h: s.createImport},
		{Method: "POST", Pattern: "/api/v1/imports/preview", Perm: rumbo.PermImport, Upload: true, h: s.previewImport},
		{Method: "GET", Pattern: "/api/v1/imports/{id}", Perm: rumbo.PermImport, h: s.getImport},

		{Method: "GET", Pattern: "/api/v1/objectives", Perm: rumbo.PermOKRsRead, h: s.listObjectives},
		{Method: "POST", Pattern: "/api/v1/objectives", Perm: rumbo.PermOKRsWrite, h: s.createObjective},
		{Method: "GET", Pattern: "/api/v1/objectives/{id}", Perm: rumbo.PermOKRsRead, h: s.getObjective},
		{Method: "PATCH", Pattern: "/api/v1/objectives/{id}", Perm: rumbo.PermOKRsWrite, h: s.patchObjective},
		{Method: "DELETE", Pattern: "/api/v1/objectives/{id}", Perm: rumbo.PermOKRsWrite, h: s.deleteObjective},
		{Method: "POST", Pattern: "/api/v1/objectives/{id}/key-results", Perm: rumbo.PermOKRsWrite, h: s.createKR},
		{Method: "GET", Pattern: "/api/v1/key-results/{id}", Perm: rumbo.PermOKRsRead, h: s.getKR},
		{Method: "PATCH", Pattern: "/api/v1/key-results/{id}", Perm: rumbo.PermOKRsWrite, h: s.patchKR},
		{Method: "DELETE", Pattern: "/api/v1/key-results/{id}", Perm: rumbo.PermOKRsWrite, h: s.deleteKR},
		{Method: "GET", Pattern: "/api/v1/key-results/{id}/check-ins", Perm: rumbo.PermOKRsRead, h: s.listCheckIns},
		{Method: "POST", Pattern: "/api/v1/key-results/{id}/check-ins", Perm: rumbo.PermCheckIn, h: s.checkIn},
		{Method: "GET", Pattern: "/api/v1/okrs/status", Perm: rumbo.PermOKRsRead, h: s.okrStatus},
		{Method: "POST", Pattern: "/api/v1/okrs/close", Perm: rumbo.PermOKRsWrite, h: s.closeOKRs},
		{Method: "POST", Pattern: "/api/v1/okrs/score-overrides", Perm: rumbo.PermOKRsWrite, h: s.overrideScore},
		{Method: "GET", Pattern: "/api/v1/okrs/templates", Perm: rumbo.PermOKRsRead, h: s.listTemplates},
		{Method: "POST", Pattern: "/api/v1/okrs/templates/{key}/apply", Perm: rumbo.PermOKRsWrite, h: s.applyTemplate},
		{Method: "GET", Pattern: "/api/v1/okrs/excluded-weeks", Perm: rumbo.PermOKRsRead, h: s.listExcludedWeeks},
		{Method: "PUT", Pattern: "/api/v1/okrs/excluded-weeks/{week}", Perm: rumbo.PermOKRsWrite, h: s.excludeWeek},
		{Method: "DELETE", Pattern: "/api/v1/okrs/excluded-weeks/{week}", Perm: rumbo.PermOKRsWrite, h: s.includeWeek},
	}
	for _, e := range rumbo.Entities {
		base := "/api/v1/" + string(e)
		rs = append(rs,
			Route{Method: "GET", Pattern: base, Perm: rumbo.PermRecordsRead, h: s.listRecords(e)},
			Route{Method: "POST", Pattern: base, Perm: rumbo.PermRecordsWrite, h: s.createRecord(e)},
			Route{Method: "POST", Pattern: base + "/bulk", Perm: rumbo.PermRecordsWrite, Upload: true, h: s.bulkRecords(e)},
			Route{Method: "GET", Pattern: base + "/{id}", Perm: rumbo.PermRecordsRead, h: s.getRecord(e)},
			Route{Method: "PUT", Pattern: base + "/{id}", Perm: rumbo.PermRecordsWrite, h: s.putRecord(e)},
			Route{Method: "PATCH", Pattern: base + "/{id}", Perm: rumbo.PermRecordsWrite, h: s.patchRecord(e)},
			Route{Method: "DELETE", Pattern: base + "/{id}", Perm: rumbo.PermRecordsWrite, h: s.deleteRecord(e)},
		)
	}
	return rs
}

// handle wraps a route: it bounds the body, authenticates and authorises
// the caller, checks the CSRF token of cookie-authenticated writes, runs
// the handler and writes its error.
func (s *Server) handle(rt Route) nethttp.Handler {
	limit := s.cfg.BodyLimit
	if rt.Upload {
		limit = s.cfg.UploadLimit
	}
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		r.Body = nethttp.MaxBytesReader(w, r.Body, limit)
		if r.ContentLength > limit {
			s.error(w, r, &nethttp.MaxBytesError{Limit: limit})
			return
		}
		var c *caller
		if rt.Perm != rumbo.PermPublic {
			var err error
			if c, err = s.authenticate(r); err == nil {
				err = s.authorize(r, c, rt.Perm)
			}
			if err != nil {
				s.error(w, r, err)
				return
			}
		}
		if err := rt.h(w, r, c); err != nil {
			s.error(w, r, err)
		}
		if rt.changesRights() {
			s.tokens.clear()
		}
		// Any write may change a KPI's figures.
		if !safeMethod(rt.Method) {
			s.results.clear()
		}
	})
}

// changesRights reports whether the route may change what a token grants:
// revocations, roles, removals and organisation settings. The token cache
// is cleared after each of them.
func (rt Route) changesRights() bool {
	if safeMethod(rt.Method) {
		return false
	}
	return rt.Perm == rumbo.PermUsersManage || rt.Perm == rumbo.PermOrgWrite || strings.HasPrefix(rt.Pattern, "/api/v1/tokens")
}

func (s *Server) healthz(w nethttp.ResponseWriter, r *nethttp.Request, _ *caller) error {
	writeJSON(w, nethttp.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w nethttp.ResponseWriter, r *nethttp.Request, _ *caller) error {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("not ready", "error", err)
		return &detailedError{code: EUNAVAILABLE, message: "the database does not answer"}
	}
	writeJSON(w, nethttp.StatusOK, map[string]string{"status": "ready"})
	return nil
}
