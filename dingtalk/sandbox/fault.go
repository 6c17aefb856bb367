package sandbox

import (
	"io"
	"net/http"
)

// htmlPage is what a reverse proxy in front of DingTalk answers when it fails.
const htmlPage = `<html>
<head><title>500 Internal Server Error</title></head>
<body>
<center><h1>500 Internal Server Error</h1></center>
<hr><center>Tengine</center>
</body>
</html>
`

// brokenJSON is cut in the middle, as by a broken upstream; it is not JSON.
const brokenJSON = `{"errcode":0,"errms`

// injectFault answers r according to f instead of checking it.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, f Fault, a Arrival) {
	switch f {
	case FaultHTML500:
		a.Status = http.StatusInternalServerError
		a.Errmsg = "fault: answered HTTP 500 with an HTML page"
		s.store(&a)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, htmlPage)
	case FaultInvalidJSON:
		a.Status = http.StatusOK
		a.Errmsg = "fault: answered HTTP 200 with a body that is not JSON"
		s.store(&a)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = io.WriteString(w, brokenJSON)
	default: // FaultDropConnection and anything unknown
		a.Errmsg = "fault: closed the connection without answering"
		s.store(&a)
		s.notify(a)
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler) // net/http aborts the response without logging
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
		return
	}
	s.notify(a)
}
