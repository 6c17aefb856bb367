package relay

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// scrapeTimeout bounds what a scrape reads from the store and the quota meter.
const scrapeTimeout = 2 * time.Second

// metrics are the Server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg       *prometheus.Registry
	handler   http.Handler
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	queued    *prometheus.CounterVec
	delivered *prometheus.CounterVec
	failed    *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dingbot_relay_requests_total",
			Help: "Requests the relay answered, by route and HTTP status.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dingbot_relay_request_duration_seconds",
			Help:    "How long the relay took to answer, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dingbot_messages_queued_total",
			Help: "Messages the relay stored in the outbox (held for a digest included), by robot.",
		}, []string{"robot"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dingbot_messages_delivered_total",
			Help: "Messages this process's outbox delivered (DingTalk answered errcode 0), by robot.",
		}, []string{"robot"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dingbot_messages_failed_total",
			Help: "Messages this process's outbox gave up on (failed, or unknown whether posted), by robot and DingTalk's errcode (\"none\" without one).",
		}, []string{"robot", "errcode"}),
	}
	for _, r := range s.o.Robots {
		m.queued.WithLabelValues(r)
		m.delivered.WithLabelValues(r)
	}
	m.reg.MustRegister(m.requests, m.duration, m.queued, m.delivered, m.failed,
		&stateCollector{s: s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	return m
}

// job counts a job change of the outbox.
func (m *metrics) job(j delivery.Job) {
	switch j.State {
	case delivery.Sent:
		m.delivered.WithLabelValues(j.Robot).Inc()
	case delivery.Failed, delivery.Unknown:
		code := "none"
		if j.Errcode != nil {
			code = strconv.Itoa(*j.Errcode)
		}
		m.failed.WithLabelValues(j.Robot, code).Inc()
	}
}

// stateCollector reads the outbox depth and the quotas at scrape time.
type stateCollector struct{ s *Server }

var (
	depthDesc = prometheus.NewDesc("dingbot_outbox_depth",
		"Jobs waiting in the outbox (queued, sending, held for a digest), by robot, read from the store at scrape.",
		[]string{"robot"}, nil)
	quotaUsedDesc = prometheus.NewDesc("dingbot_quota_used",
		"Sends this month (China Standard Time), by robot.", []string{"robot"}, nil)
	quotaLimitDesc = prometheus.NewDesc("dingbot_quota_limit",
		"The robot's monthly quota, when it has one.", []string{"robot"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- quotaUsedDesc
	ch <- quotaLimitDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s := c.s
	jobs, err := s.o.Outbox.Store().List(ctx, delivery.Filter{States: []delivery.State{delivery.Queued, delivery.Sending, delivery.Held}})
	if err != nil {
		s.log.Warn("metrics", "error", "outbox depth: "+oneLine(err))
	} else {
		depth := map[string]int{}
		for _, r := range s.o.Robots {
			depth[r] = 0
		}
		for _, j := range jobs {
			depth[j.Robot]++
		}
		for r, n := range depth {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), r)
		}
	}
	if s.o.Quota == nil {
		return
	}
	for _, r := range s.o.Robots {
		used, limit, err := s.o.Quota(ctx, r)
		if err != nil {
			s.log.Warn("metrics", "robot", r, "error", "quota: "+oneLine(err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(quotaUsedDesc, prometheus.GaugeValue, float64(used), r)
		if limit > 0 {
			ch <- prometheus.MustNewConstMetric(quotaLimitDesc, prometheus.GaugeValue, float64(limit), r)
		}
	}
}
