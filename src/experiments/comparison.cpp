#include "dynae/experiments/comparison.h"

#include <algorithm>
#include <sstream>

#include "dynae/models/model_kind.h"

#include "dynae/errors.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

Spread spread(const std::vector<double>& v) {
  Spread s;
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  return s;
}

std::string md(const Spread& s, const char* f) {
  if (!std::isfinite(s.mean)) return "n/a";
  char a[64], b[64];
  std::snprintf(a, sizeof a, f, s.mean);
  if (!std::isfinite(s.sd)) return a;
  std::snprintf(b, sizeof b, f, s.sd);
  return std::string(a) + " ± " + b;
}

}  // namespace

std::vector<ComparisonRow> summarize_comparison(const std::vector<std::string>& names,
                                                const std::vector<SweepRun>& runs) {
  if (names.size() != runs.size()) throw Error("summarize_comparison: one name per run expected");
  std::vector<std::string> order;
  for (const auto& n : names) {
    if (std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
  }
  std::vector<ComparisonRow> rows;
  for (const auto& name : order) {
    std::vector<const SweepRun*> group;
    for (size_t i = 0; i < runs.size(); ++i) {
      if (names[i] == name) group.push_back(&runs[i]);
    }
    std::vector<double> r2, disp, aniso, scale, stepvar, secs, pair;
    for (const SweepRun* r : group) {
      if (!r->has_metrics) throw Error("summarize_comparison: run '" + r->label + "' has no metrics");
      r2.push_back(r->metrics.r2);
      disp.push_back(r->metrics.disparity);
      aniso.push_back(r->metrics.anisotropy);
      scale.push_back(r->metrics.scale);
      double sv = 0;
      for (double v : r->metrics.step_variance) sv += v / static_cast<double>(r->metrics.step_variance.size());
      stepvar.push_back(sv);
      secs.push_back(r->seconds);
    }
    for (size_t i = 0; i < group.size(); ++i) {
      for (size_t j = i + 1; j < group.size(); ++j) {
        pair.push_back(compare_latents(group[i]->latent, group[j]->latent).disparity);
      }
    }
    ComparisonRow row;
    row.name = name;
    row.seeds = static_cast<int64_t>(group.size());
    row.seed_independent = model_kind(group.front()->options.model).closed_form();
    row.r2 = spread(r2);
    row.disparity = spread(disp);
    row.anisotropy = spread(aniso);
    row.scale = spread(scale);
    row.step_variance = spread(stepvar);
    row.seed_disparity = spread(pair);
    row.seconds = spread(secs);
    rows.push_back(row);
  }
  return rows;
}

std::string comparison_markdown(const std::vector<ComparisonRow>& rows) {
  std::ostringstream os;
  os << "| model | seeds | R^2 | Procrustes disparity | anisotropy | seed-to-seed disparity | step variance | "
        "scale | wall time (s) |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    os << "| " << r.name << " | " << r.seeds << " | " << md(r.r2, "%.4f") << " | " << md(r.disparity, "%.4f")
       << " | " << md(r.anisotropy, "%.3f") << " | "
       << (r.seed_independent ? std::string("0 (no seed dependence)") : md(r.seed_disparity, "%.4f")) << " | "
       << md(r.step_variance, "%.3g") << " | " << md(r.scale, "%.3g") << " | " << md(r.seconds, "%.1f") << " |\n";
  }
  os << "\nMean ± sample standard deviation over seeds. R^2: linear map truth -> latent. Procrustes disparity: "
        "similarity Procrustes to the truth (0 = rotated, scaled copy). Anisotropy: ratio of the singular values "
        "of that map (1 = isometric). Seed-to-seed disparity: between the latents of two seeds, over all pairs. "
        "TICA is solved in closed form on all pairs: the seed changes nothing. "
        "Step variance: per-step variance of the latent, per coordinate (2 = unit latent diffusion).\n";
  return os.str();
}

std::string comparison_csv(const std::vector<ComparisonRow>& rows) {
  std::ostringstream os;
  os.precision(8);
  os << "model,seeds,r2_mean,r2_sd,disparity_mean,disparity_sd,anisotropy_mean,anisotropy_sd,seed_disparity_mean,"
        "seed_disparity_sd,step_variance_mean,step_variance_sd,scale_mean,scale_sd,seconds_mean,seconds_sd\n";
  auto both = [&](const Spread& s) { os << "," << s.mean << "," << s.sd; };
  for (const auto& r : rows) {
    os << r.name << "," << r.seeds;
    for (const Spread* s : {&r.r2, &r.disparity, &r.anisotropy, &r.seed_disparity, &r.step_variance, &r.scale,
                            &r.seconds}) {
      both(*s);
    }
    os << "\n";
  }
  return os.str();
}

void write_comparison(const std::string& dir, const std::vector<ComparisonRow>& rows) {
  write_text_atomically(dir + "/comparison.md", comparison_markdown(rows));
  write_text_atomically(dir + "/comparison.csv", comparison_csv(rows));
}

}  // namespace dynae
