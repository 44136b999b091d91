#include "dynae/experiments/alignment_report.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "dynae/analysis/plots.h"
#include "dynae/atomic_file.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"

namespace dynae {
namespace {

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string number(double v, int digits = 6) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*g", digits, v);
  return s;
}

}  // namespace

double AlignmentReport::worst_disparity() const {
  double w = 0;
  for (const auto& p : pairs) w = std::max(w, p.alignment.disparity);
  return w;
}

double AlignmentReport::worst_cka() const {
  double w = 1;
  for (const auto& p : pairs) w = std::min(w, p.alignment.cka);
  return w;
}

Array read_latent(const std::string& path) {
  if (!is_directory(path)) {
    Array a = read_npy(path);
    if (a.rank() != 2) throw DataError("'" + path + "': expected a latent (frames, d), got " + a.shape_string());
    return a;
  }
  std::vector<Array> parts;
  for (int i = 0;; ++i) {
    const std::string f = path + "/latent_traj" + std::to_string(i) + ".npy";
    if (!is_file(f)) break;
    parts.push_back(read_npy(f));
    if (parts.back().rank() != 2) {
      throw DataError("'" + f + "': expected a latent (frames, d), got " + parts.back().shape_string());
    }
    if (parts.back().frame_size() != parts[0].frame_size()) {
      throw DataError("'" + f + "': another latent width than latent_traj0.npy");
    }
  }
  if (parts.empty()) {
    throw DataError("'" + path + "' holds no latent_traj0.npy (expected a run directory of dynae train, or a latent .npy)");
  }
  return Array::concat_frames(parts);
}

AlignmentReport align_latent_set(const std::vector<std::string>& labels, const std::vector<Array>& latents,
                                 const std::vector<std::string>& groups, int64_t k) {
  if (latents.size() < 2) throw ConfigError("align: give at least two runs or latents");
  if (labels.size() != latents.size() || (!groups.empty() && groups.size() != latents.size())) {
    throw ConfigError("align: one label (and group) per latent");
  }
  AlignmentReport r;
  r.labels = labels;
  r.groups = groups;
  for (size_t i = 0; i < latents.size(); ++i) {
    if (latents[i].frames() != latents[0].frames()) {
      throw DataError("align: '" + labels[i] + "' has " + std::to_string(latents[i].frames()) + " frames, '" +
                      labels[0] + "' " + std::to_string(latents[0].frames()) +
                      " (expected latents of the same frames: runs on the same data)");
    }
    for (size_t j = i + 1; j < latents.size(); ++j) {
      r.pairs.push_back({i, j, align_latents(latents[i], latents[j], k)});
    }
  }
  r.consensus = consensus_latent(latents, &r.residuals);
  return r;
}

std::vector<std::string> alignment_output_names() {
  return {"align.csv", "align.md", "consensus_latent.npy", "align.png"};
}

std::string alignment_summary(const AlignmentReport& r) {
  std::ostringstream os;
  const AlignmentPair* worst = &r.pairs[0];
  for (const auto& p : r.pairs) {
    if (p.alignment.disparity > worst->alignment.disparity) worst = &p;
  }
  os << r.labels.size() << " latents, " << r.pairs.size() << " pairs: worst disparity "
     << number(worst->alignment.disparity, 4) << " (" << r.labels[worst->a] << " vs " << r.labels[worst->b]
     << "), smallest CKA " << number(r.worst_cka(), 5) << "\n";
  if (!r.groups.empty()) {
    // Within each group, and between groups.
    std::map<std::string, std::pair<double, double>> within;  // group -> worst disparity, smallest CKA
    double between_d = 0, between_c = 1;
    bool any_between = false;
    for (const auto& p : r.pairs) {
      const std::string& ga = r.groups[p.a];
      if (ga == r.groups[p.b]) {
        auto it = within.emplace(ga, std::make_pair(0.0, 1.0)).first;
        it->second.first = std::max(it->second.first, p.alignment.disparity);
        it->second.second = std::min(it->second.second, p.alignment.cka);
      } else {
        any_between = true;
        between_d = std::max(between_d, p.alignment.disparity);
        between_c = std::min(between_c, p.alignment.cka);
      }
    }
    for (const auto& [g, w] : within) {
      os << "  within " << g << ": worst disparity " << number(w.first, 4) << ", smallest CKA " << number(w.second, 5)
         << "\n";
    }
    if (any_between) {
      os << "  between groups: worst disparity " << number(between_d, 4) << ", smallest CKA " << number(between_c, 5)
         << "\n";
    }
  }
  return os.str();
}

void write_alignment(const std::string& dir, const AlignmentReport& r) {
  make_directories(dir);
  std::string csv = "a,b,disparity,cka,knn_overlap\n";
  for (const auto& p : r.pairs) {
    csv += r.labels[p.a] + "," + r.labels[p.b] + "," + number(p.alignment.disparity, 9) + "," +
           number(p.alignment.cka, 9) + "," + number(p.alignment.knn_overlap, 6) + "\n";
  }
  write_text_atomically(dir + "/align.csv", csv);
  std::ostringstream md;
  md << "# Alignment of " << r.labels.size() << " latents\n\n"
     << "Disparity: Procrustes after the best rotation, reflection, shift and one scale (0 = the same up to an "
        "isometry and scale). CKA: linear centred kernel alignment (1 = the same up to an orthogonal map and "
        "scale). knn_overlap: fraction of each frame's 10 nearest neighbours shared.\n\n"
     << alignment_summary(r) << "\n| a | b | disparity | CKA | knn_overlap |\n|---|---|---|---|---|\n";
  for (const auto& p : r.pairs) {
    md << "| " << r.labels[p.a] << " | " << r.labels[p.b] << " | " << number(p.alignment.disparity, 4) << " | "
       << number(p.alignment.cka, 5) << " | " << number(p.alignment.knn_overlap, 3) << " |\n";
  }
  md << "\n## Residual from the consensus (generalised Procrustes mean, consensus_latent.npy)\n\n| latent | group | "
        "disparity to the consensus |\n|---|---|---|\n";
  for (size_t i = 0; i < r.labels.size(); ++i) {
    md << "| " << r.labels[i] << " | " << (r.groups.empty() ? "" : r.groups[i]) << " | " << number(r.residuals[i], 4)
       << " |\n";
  }
  write_text_atomically(dir + "/align.md", md.str());
  write_npy(dir + "/consensus_latent.npy", r.consensus);
  plot_alignment(r, dir + "/align", false);
}

void plot_alignment(const AlignmentReport& r, const std::string& stem, bool svg) {
  // Heatmaps: disparity (left) and CKA (right), latent index on both axes.
  const size_t n = r.labels.size();
  std::vector<double> dis(n * n, 0.0), cka(n * n, 1.0);
  for (const auto& p : r.pairs) {
    dis[p.a * n + p.b] = dis[p.b * n + p.a] = p.alignment.disparity;
    cka[p.a * n + p.b] = cka[p.b * n + p.a] = p.alignment.cka;
  }
  std::ostringstream gp;
  auto block = [&](const std::vector<double>& v, const char* title, const char* palette) {
    gp << "set title '" << title << "'\nset palette " << palette << "\nplot '-' matrix with image notitle\n";
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) gp << v[i * n + j] << (j + 1 < n ? " " : "\n");
    }
    gp << "e\n";
  };
  for (int format = 0; format < (svg ? 2 : 1); ++format) {
    if (format == 0) {
      gp << "set terminal pngcairo size 1100,500 noenhanced\nset output '" << stem << ".png'\n";
    } else {
      gp << "set terminal svg size 1100,500 noenhanced background '#ffffff'\nset output '" << stem << ".svg'\n";
    }
    gp << "set multiplot layout 1,2\nset xrange [-0.5:" << n - 0.5 << "]\nset yrange [-0.5:" << n - 0.5
       << "] reverse\nset xtics 1\nset ytics 1\nset xlabel 'latent (the order given)'\nset ylabel 'latent'\n";
    block(dis, "Procrustes disparity (0 = aligned)", "defined (0 'white', 1 'red')");
    block(cka, "linear CKA (1 = aligned)", "defined (0 'red', 1 'white')");
    gp << "unset multiplot\n";
  }
  run_gnuplot(gp.str(), "the alignment heatmaps");
}

}  // namespace dynae
