#include "dynae/training/progress.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dynae {

std::string format_duration(double s) {
  char buf[32];
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else if (s < 86400.0 * 1000) {
    const long long whole = static_cast<long long>(s);  // no int overflow past 68 years
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", whole / 3600, (whole % 3600) / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g days", s / 86400);
  }
  return buf;
}

std::string format_epoch_line(const EpochReport& r) {
  const double eta = r.epoch + 1 < r.epochs ? r.elapsed / static_cast<double>(r.epoch + 1) *
                                                  static_cast<double>(r.epochs - r.epoch - 1)
                                            : 0.0;
  // No test batch (too few test pairs for one batch): n/a, not zeros.
  char test[160] = "n/a (no test batch)";
  if (r.test.batches > 0) {
    std::snprintf(test, sizeof test, "%.4g (rec %.4g reg %.4g prior %.4g)", r.test.total, r.test.reconstruction,
                  r.test.regularization, r.test.prior);
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "epoch %3lld/%lld%s  train %.4g (rec %.4g reg %.4g prior %.4g)  test %s  clusters %lld  %s  ETA %s",
                static_cast<long long>(r.epoch + 1), static_cast<long long>(r.epochs), r.epoch == 0 ? " warm-up" : "",
                r.train.total, r.train.reconstruction, r.train.regularization, r.train.prior, test,
                static_cast<long long>(r.clusters), format_duration(r.seconds).c_str(), format_duration(eta).c_str());
  return buf;
}

}  // namespace dynae

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace dynae {

ConsoleProgress::ConsoleProgress(std::FILE* out, std::string log_path, std::string prefix)
    : out_(out), log_path_(std::move(log_path)), prefix_(std::move(prefix)), tty_(::isatty(::fileno(out)) == 1) {}

void ConsoleProgress::on_step(int64_t epoch, int64_t step, int64_t steps) {
  if (!tty_ || steps <= 0) return;
  const int pct = static_cast<int>(100 * step / steps);
  if (pct == last_percent_) return;
  last_percent_ = pct;
  const int width = 30, filled = pct * width / 100;
  std::fprintf(out_, "\r%sepoch %lld [%.*s%*s] %3d%%", prefix_.c_str(), static_cast<long long>(epoch + 1), filled,
               "##############################", width - filled, "", pct);
  std::fflush(out_);
}

void ConsoleProgress::on_epoch(const EpochReport& r, const Model&) {
  const std::string line = prefix_ + format_epoch_line(r);
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
  last_percent_ = -1;
  if (!log_path_.empty()) {
    std::ofstream f(log_path_, std::ios::app);
    f << line << "\n";
  }
}

void ConsoleProgress::on_note(const std::string& message) {
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s%s\n", prefix_.c_str(), message.c_str());
  if (!log_path_.empty()) {
    std::ofstream f(log_path_, std::ios::app);
    f << message << "\n";
  }
}

void ConsoleProgress::on_warning(const std::string& message) {
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%swarning: %s\n", prefix_.c_str(), message.c_str());
  if (!log_path_.empty()) {
    std::ofstream f(log_path_, std::ios::app);
    f << "warning: " << message << "\n";
  }
}

std::string loss_csv(const std::vector<EpochReport>& history) {
  std::ostringstream os;
  os.precision(17);  // read back exactly (a sweep's --collect)
  os << "epoch,seconds,learning_rate,beta,clusters,train_total,train_reconstruction,train_regularization,"
        "train_prior,test_total,test_reconstruction,test_regularization,test_prior\n";
  for (const auto& r : history) {
    os << r.epoch << "," << r.seconds << "," << r.learning_rate << "," << r.beta << "," << r.clusters << ","
       << r.train.total << "," << r.train.reconstruction << "," << r.train.regularization << "," << r.train.prior
       << "," << r.test.total << "," << r.test.reconstruction << "," << r.test.regularization << "," << r.test.prior
       << "\n";
  }
  return os.str();
}

std::vector<EpochReport> read_loss_csv(const std::string& path) {
  std::vector<EpochReport> h;
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::vector<double> v;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) v.push_back(std::atof(cell.c_str()));
    if (v.size() != 13) continue;
    EpochReport r;
    r.epoch = static_cast<int64_t>(v[0]);
    r.seconds = v[1];
    r.learning_rate = v[2];
    r.beta = v[3];
    r.clusters = static_cast<int64_t>(v[4]);
    r.train = {v[5], v[6], v[7], v[8], 1};
    r.test = {v[9], v[10], v[11], v[12], 1};
    h.push_back(r);
  }
  return h;
}

}  // namespace dynae
