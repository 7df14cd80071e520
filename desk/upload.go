package desk

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
)

// A unit whose mail gateway strips attachments hands in its workbook
// through its personal link, mailed in every reminder and chase. The page
// shows that unit's period and tasks only and takes one workbook, which
// goes through the same intake as a mailed one.

type uploadData struct {
	Office   string
	Unit     plan.Unit
	Period   plan.Period
	Deadline time.Time
	Tasks    []taskRow
	MaxMB    int64
	Result   *jobs.Decision
	Problem  string
}

// target checks the link; a bad one gets a short page and nothing else.
func (s *Server) target(w http.ResponseWriter, r *http.Request) (plan.Unit, plan.Period, bool) {
	u, p, err := s.c.UploadTarget(r.Context(), r.PathValue("unit"), r.PathValue("period"), r.PathValue("token"))
	if errors.Is(err, jobs.ErrUploadLink) {
		s.render(w, r, http.StatusNotFound, "badlink", struct{ Office string }{s.officeName()})
		return u, p, false
	}
	if err != nil {
		s.fail(w, r, err)
		return u, p, false
	}
	return u, p, true
}

func (s *Server) uploadData(u plan.Unit, p plan.Period) uploadData {
	d := uploadData{Office: s.officeName(), Unit: u, Period: p, Deadline: s.c.Schedule.Deadline(p), MaxMB: s.c.Limits.MaxFileBytes >> 20}
	for _, t := range s.c.Plan.TasksLedBy(u.ID) {
		d.Tasks = append(d.Tasks, taskRow{Number: s.c.Plan.TaskNumber(t.ID), Task: t})
	}
	return d
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request) {
	u, p, ok := s.target(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "upload", s.uploadData(u, p))
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	u, p, ok := s.target(w, r)
	if !ok {
		return
	}
	d := s.uploadData(u, p)
	limit := s.c.Limits.MaxFileBytes
	// The body holds the file and a little of multipart around it; the
	// file itself is bounded below, by the attachment limit.
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	f, hdr, err := r.FormFile("workbook")
	if err != nil {
		d.Problem = "未收到文件：请选择填写好的推进情况表（.xlsx 文件），文件不得超过附件大小上限。"
		s.render(w, r, http.StatusBadRequest, "upload", d)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil || int64(len(data)) > limit {
		d.Problem = "文件过大或未能读取：请删除表格中的图片等无关内容，只提交本期推进情况表（.xlsx 文件）。"
		s.render(w, r, http.StatusRequestEntityTooLarge, "upload", d)
		return
	}
	dec, err := s.c.Upload(r.Context(), u, p, data, filepath.Base(hdr.Filename))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.c.Flush(r.Context()); err != nil {
		s.log.Error("desk upload: sending the answer", "unit", u.ID, "err", err)
	}
	s.audit(r, "", "upload", u.Name+"通过上传链接提交"+p.Label()+"报送表："+hdr.Filename)
	d.Result = &dec
	s.render(w, r, http.StatusOK, "upload", d)
}
