package worker

import "fmt"

// starter is the part of a Temporal worker that Workers drives.
type starter interface {
	Start() error
	Stop()
}

// Workers are ccflow's Temporal workers in one process, started and stopped together.
type Workers struct {
	all []starter
}

// Start starts every worker; when one fails, those already started are stopped.
func (w *Workers) Start() error {
	for i, s := range w.all {
		if err := s.Start(); err != nil {
			for j := i - 1; j >= 0; j-- {
				w.all[j].Stop()
			}
			return fmt.Errorf("worker %d of %d: %w", i+1, len(w.all), err)
		}
	}
	return nil
}

// Stop stops the workers, the last started first.
func (w *Workers) Stop() {
	for i := len(w.all) - 1; i >= 0; i-- {
		w.all[i].Stop()
	}
}
