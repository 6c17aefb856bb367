package spool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// monthFile is meter/<month>.json: every key's request count in the month. One file per month
// makes a Count one atomic rewrite, so the organisation's total (the sum) is exact after any
// crash.
type monthFile struct {
	Counts map[string]int `json:"counts"`
}

// pauseFile is pauses/<key>.json.
type pauseFile struct {
	Until   time.Time `json:"until"`
	Errcode int       `json:"errcode,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

func (s *Spool) meterDir() string { return filepath.Join(s.dir, "meter") }
func (s *Spool) pauseDir() string { return filepath.Join(s.dir, "pauses") }

func errBadMonth(month string) error {
	return fmt.Errorf("spool: invalid billing month %q: want YYYY-MM", month)
}

// readMonth reads a month's counts; a month not begun has none.
func (s *Spool) readMonth(month string) (monthFile, error) {
	path := filepath.Join(s.meterDir(), month+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return monthFile{Counts: map[string]int{}}, nil
	}
	if err != nil {
		return monthFile{}, stateErr(path, "read the monthly count", err)
	}
	var m monthFile
	if err := json.Unmarshal(data, &m); err != nil {
		return monthFile{}, stateErr(path, "read the monthly count", fmt.Errorf("damaged: %w", err))
	}
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	return m, nil
}

// counts returns key's count and the organisation's. OrgKey's own count is the organisation's.
func (m monthFile) counts(key string) (robot, org int) {
	for _, n := range m.Counts {
		org += n
	}
	if key == dingtalk.OrgKey {
		return org, org
	}
	return m.Counts[key], org
}

// Count records one request to key in month; it returns the month's count for key and for the
// organisation. Counting OrgKey itself records a request of no particular robot.
func (s *Spool) Count(ctx context.Context, key, month string) (robot, org int, err error) {
	if err := s.check(ctx); err != nil {
		return 0, 0, err
	}
	if !validKey(key) {
		return 0, 0, errBadKey(key)
	}
	if !validMonth(month) {
		return 0, 0, errBadMonth(month)
	}
	unlock, err := lockFile(ctx, filepath.Join(s.meterDir(), month+".lock"))
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	m, err := s.readMonth(month)
	if err != nil {
		return 0, 0, err
	}
	m.Counts[key]++
	data, err := json.Marshal(m)
	if err != nil {
		return 0, 0, err
	}
	if err := writeFile(s.meterDir(), month+".json", data); err != nil {
		return 0, 0, stateErr(s.meterDir(), "write the monthly count", err)
	}
	if err := syncDir(s.meterDir()); err != nil {
		return 0, 0, stateErr(s.meterDir(), "write the monthly count", err)
	}
	robot, org = m.counts(key)
	return robot, org, nil
}

// Used returns the month's counts for key and for the organisation.
func (s *Spool) Used(ctx context.Context, key, month string) (robot, org int, err error) {
	if err := s.check(ctx); err != nil {
		return 0, 0, err
	}
	if !validKey(key) {
		return 0, 0, errBadKey(key)
	}
	if !validMonth(month) {
		return 0, 0, errBadMonth(month)
	}
	m, err := s.readMonth(month)
	if err != nil {
		return 0, 0, err
	}
	robot, org = m.counts(key)
	return robot, org, nil
}

func (s *Spool) readPause(key string) (dingtalk.Pause, error) {
	path := filepath.Join(s.pauseDir(), key+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return dingtalk.Pause{}, nil
	}
	if err != nil {
		return dingtalk.Pause{}, stateErr(path, "read the robot's pause", err)
	}
	var p pauseFile
	if err := json.Unmarshal(data, &p); err != nil {
		return dingtalk.Pause{}, stateErr(path, "read the robot's pause", fmt.Errorf("damaged: %w", err))
	}
	return dingtalk.Pause{Until: p.Until, Errcode: p.Errcode, Reason: p.Reason}, nil
}

// Paused returns key's pause, or a zero Pause when it may send at now.
func (s *Spool) Paused(ctx context.Context, key string, now time.Time) (dingtalk.Pause, error) {
	if err := s.check(ctx); err != nil {
		return dingtalk.Pause{}, err
	}
	if !validKey(key) {
		return dingtalk.Pause{}, errBadKey(key)
	}
	p, err := s.readPause(key)
	if err != nil || !p.Until.After(now) {
		return dingtalk.Pause{}, err
	}
	return p, nil
}

// Pause stops key until p.Until, unless it is already paused until later.
func (s *Spool) Pause(ctx context.Context, key string, p dingtalk.Pause) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !validKey(key) {
		return errBadKey(key)
	}
	unlock, err := lockFile(ctx, filepath.Join(s.pauseDir(), key+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := s.readPause(key)
	if err != nil {
		return err
	}
	if cur.Until.After(p.Until) {
		return nil
	}
	data, err := json.Marshal(pauseFile{Until: p.Until, Errcode: p.Errcode, Reason: p.Reason})
	if err != nil {
		return err
	}
	if err := writeFile(s.pauseDir(), key+".json", data); err != nil {
		return stateErr(s.pauseDir(), "write the robot's pause", err)
	}
	if err := syncDir(s.pauseDir()); err != nil {
		return stateErr(s.pauseDir(), "write the robot's pause", err)
	}
	return nil
}
