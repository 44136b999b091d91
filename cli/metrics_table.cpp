#include "metrics_table.h"

#include <cmath>
#include <cstdio>

namespace dynae::cli {

std::string metrics_table(const IdentifiabilityMetrics& m, const MetricBars* bars, bool* passed) {
  std::string out;
  bool all = true;
  char buf[256];
  auto line = [&](const char* name, const std::string& value, int ok, const std::string& bar) {
    std::snprintf(buf, sizeof buf, "%-16s %-22s%s\n", name, value.c_str(),
                  ok < 0 ? "" : (std::string(ok ? "PASS  " : "FAIL  ") + bar).c_str());
    out += buf;
    if (ok == 0) all = false;
  };
  auto fmt = [](double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return std::string(b);
  };
  line("r2", fmt(m.r2), bars ? m.r2 >= bars->min_r2 : -1, bars ? ">= " + fmt(bars->min_r2) : "");
  line("disparity", fmt(m.disparity), bars ? m.disparity <= bars->max_disparity : -1,
       bars ? "<= " + fmt(bars->max_disparity) : "");
  line("anisotropy", fmt(m.anisotropy), bars ? m.anisotropy <= bars->max_anisotropy : -1,
       bars ? "<= " + fmt(bars->max_anisotropy) : "");
  line("scale", fmt(m.scale), -1, "");
  std::string sv, tv;
  bool sv_ok = true;
  for (double v : m.step_variance) {
    sv += (sv.empty() ? "" : " ") + fmt(v);
    if (bars) sv_ok = sv_ok && std::fabs(v - bars->step_variance) <= bars->step_variance_tol;
  }
  for (double v : m.truth_step_variance) tv += (tv.empty() ? "" : " ") + fmt(v);
  line("step_variance", sv, bars ? sv_ok : -1,
       bars ? fmt(bars->step_variance) + " +/- " + fmt(bars->step_variance_tol) : "");
  line("ref_step_var", tv, -1, "");
  if (passed) *passed = all;
  return out;
}

}  // namespace dynae::cli
