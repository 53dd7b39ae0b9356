package persist

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// serveSync streams a snapshot to a client that sent SYNC or PSYNC, the
// way a master answers a full resynchronization: "+FULLRESYNC <replid>
// <offset>" for PSYNC, newlines as keep-alives while the snapshot is
// produced, then "$<length>\r\n" and the RDB. It owns the connection
// (handed over by Detach) and runs without the lock.
func (m *Manager) serveSync(conn net.Conn, psync bool) {
	peer := conn.RemoteAddr().String()
	m.log.Noticef("Replica %s asks for synchronization", peer)
	if psync {
		if _, err := fmt.Fprintf(conn, "+FULLRESYNC %s 0\r\n", randomReplID()); err != nil {
			return
		}
	}
	var wmu sync.Mutex
	stop := make(chan struct{})
	var keep sync.WaitGroup
	keep.Add(1)
	go func() {
		defer keep.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				wmu.Lock()
				conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				conn.Write([]byte("\n"))
				wmu.Unlock()
			}
		}
	}()
	path, err := m.syncSnapshot()
	close(stop)
	keep.Wait()
	if err != nil {
		m.log.Warningf("Can't produce the RDB for replica %s: %v", peer, err)
		return
	}
	defer os.Remove(path)
	if err := sendFile(conn, path); err != nil {
		m.log.Warningf("Sending the RDB to replica %s failed: %v", peer, err)
		return
	}
	m.log.Noticef("Synchronization with replica %s succeeded", peer)
}

// syncSnapshot waits until no other background job runs, then writes a
// snapshot to a temporary file and returns its path.
func (m *Manager) syncSnapshot() (string, error) {
	var j *bgJob
	for j == nil {
		select {
		case <-m.srv.Done():
			return "", errCancelled
		default:
		}
		m.srv.Lock()
		if m.job == nil {
			m.jobSeq++
			t, err := createTemp(m.cfg.Dir, fmt.Sprintf("temp-sync-%d-%d.rdb", os.Getpid(), m.jobSeq), m.syncEvery())
			if err != nil {
				m.srv.Unlock()
				return "", err
			}
			j = &bgJob{kind: jobSync, file: t, start: time.Now(), done: make(chan struct{})}
			j.sn = m.beginSnapshot(formatRDB)
			m.job = j
			m.log.Noticef("Starting BGSAVE for SYNC with target: disk")
		}
		m.srv.Unlock()
		if j == nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
	defer close(j.done)
	err := j.sn.run(j.file)
	if err == nil {
		err = j.file.finish()
	}
	m.srv.Lock()
	cancelled := j.sn.cancelled
	if !cancelled {
		m.job = nil
	}
	m.srv.Unlock()
	if err != nil || cancelled {
		j.file.abort()
		if err == nil {
			err = errCancelled
		}
		return "", err
	}
	m.log.Noticef("Background RDB transfer terminated with success")
	return j.file.path, nil
}

// sendFile writes "$<size>\r\n" and the file's content.
func sendFile(conn net.Conn, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Time{})
	if _, err := conn.Write([]byte("$" + strconv.FormatInt(fi.Size(), 10) + "\r\n")); err != nil {
		return err
	}
	_, err = io.Copy(conn, f)
	return err
}

func randomReplID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}
