#include "dynae/experiments/report.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "dynae/analysis/metrics.h"
#include "dynae/experiments/alignment_report.h"
#include "dynae/experiments/kinetics.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/analysis/plots.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/experiments/sweep.h"
#include "models/latent_diffusion.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("report: cannot read '" + path + "'");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

/// The SVG element of a file written by gnuplot, without its XML prolog.
std::string inline_svg(const std::string& path) {
  const std::string s = slurp(path);
  const size_t start = s.find("<svg");
  return start == std::string::npos ? "" : s.substr(start);
}

std::string fmt(double v, const char* f = "%.4g") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string figure(const std::string& dir, const std::string& name, const std::string& caption) {
  return "<figure>" + inline_svg(dir + "/" + name + ".svg") + "<figcaption>" + caption + " (<a href=\"report/" + name +
         ".png\">PNG</a>, <a href=\"report/" + name + ".svg\">SVG</a>)</figcaption></figure>\n";
}

}  // namespace

namespace {

/// The page's head and the run's one-line description.
void write_header(std::ostream& html, const std::string& run, const Model& model, const TrajectorySet& data) {
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dynae report: " << escape(run)
       << "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
          "th{background:#eee}figure{margin:1.5em 0}svg{max-width:100%;height:auto}pre{background:#f6f6f6;padding:1em;"
          "overflow:auto}</style></head><body>\n"
       << "<h1>dynae run report</h1>\n<p>Run directory <code>" << escape(run) << "</code>: "
       << model_display_name(model.model_name()) << ", latent dimension " << model.options().latent_dim << ", "
       << model.epochs_trained() << " epochs, " << data.size() << " trajector" << (data.size() == 1 ? "y" : "ies") << ", "
       << data.total_frames() << " frames.</p>\n";
  if (!is_finished_run(run)) {
    html << "<p style=\"background:#fdd;padding:0.5em\"><b>Unfinished run</b>: training was killed or interrupted "
            "(no finished.txt). This report shows its last checkpoint, epoch "
         << model.epochs_trained() << " of " << model.options().epochs << "; <code>dynae train --resume "
         << escape(run) << "</code> completes it.</p>\n";
  }
}

/// The run's own quality figure (no ground truth) and its starts'.
void write_quality_section(std::ostream& html, const Model& model) {
  const TrainingQuality& q = model.quality();
  if (!q.measured()) return;
  html << "<h2>Quality without ground truth</h2>\n<p>Slowest implied timescale of a 50-state Markov state model on the "
          "latent of every frame, at lag "
       << q.lag << " frames: <b>" << fmt(q.timescale, "%.4g") << " frames</b> (the next slowest "
       << fmt(q.second, "%.4g")
       << "). An approximation of a slow process never relaxes more slowly than the process itself (the variational "
          "principle), so of two latents of the same data the one with the larger figure resolves it better; one "
          "lag or less says the latent holds no process slower than the lag.</p>\n";
  if (q.start_timescales.empty()) return;
  html << "<table><tr><th>start</th><th>slowest timescale after " << model.options().epochs_per_start()
       << " epochs (frames)</th><th></th></tr>\n";
  for (size_t k = 0; k < q.start_timescales.size(); ++k) {
    html << "<tr><td>" << k + 1 << "</td><td>" << fmt(q.start_timescales[k], "%.4g") << "</td><td>"
         << (static_cast<int64_t>(k) == q.chosen_start ? "kept, trained to the end" : "") << "</td></tr>\n";
  }
  html << "</table>\n";
}

/// What the run could not identify (dynae diagnose): kappa per direction.
void write_identifiability_section(std::ostream& html, const Model& model) {
  const Identifiability& id = model.identifiability();
  if (!id.measured()) return;
  const auto d = static_cast<int64_t>(id.kappa.size());
  html << "<h2>What the dynamics identify</h2>\n<p>Relaxation per lag kappa along each eigen-direction of the learned "
          "force's mean Jacobian over the encoded frames (lag "
       << model.options().lag << " frames). A direction with kappa &gt; 1 relaxes within one lag: the moves do not "
          "fix the latent's scale along it, and the isometry to the true slow coordinates does not hold there "
          "(train at a shorter lag, or with --prior-substeps).</p>\n<table><tr><th>direction</th><th>kappa</th>"
          "<th>first half</th><th>second half</th><th>measured diffusion (trained to 1)</th><th></th></tr>\n";
  for (int64_t i = 0; i < d; ++i) {
    html << "<tr><td>(";
    for (int64_t k = 0; k < d; ++k) html << (k ? ", " : "") << fmt(id.directions.data[static_cast<size_t>(i * d + k)], "%.3f");
    html << ")</td><td>" << fmt(id.kappa[i], "%.3g") << "</td><td>" << fmt(id.kappa_first_half[i], "%.3g") << "</td><td>"
         << fmt(id.kappa_second_half[i], "%.3g") << "</td><td>"
         << (id.diffusion.empty() ? std::string("n/a") : fmt(id.diffusion[i], "%.3g")) << "</td><td>"
         << (id.kappa[i] <= 1.0 ? "identified" : "<b>relaxes within one lag</b>") << "</td></tr>\n";
  }
  html << "</table>\n";
  const double spread = id.halves_spread();
  if (std::isfinite(spread)) {
    html << "<p>Agreement of the run's own two estimates: the halves of the frames agree on kappa within <b>"
         << fmt(100 * spread, "%.0f") << " %</b> (the largest relative difference over the directions"
         << (spread > 0.2 ? "; beyond 20 % the estimate is not settled: more frames would firm it up" : "")
         << ").</p>\n";
  }
}

/// This run's latent against other runs' (seeds, architectures, models):
/// how alike they are up to an isometry, and the consensus of all.
AlignmentReport align_with_others(const std::string& run, const std::vector<std::string>& others) {
  std::vector<std::string> labels{run};
  std::vector<Array> latents{read_latent(run)};
  for (const std::string& o : others) {
    labels.push_back(o);
    latents.push_back(read_latent(o));
  }
  return align_latent_set(labels, latents);
}

void write_alignment_section(std::ostream& html, const std::string& dir, const AlignmentReport& r) {
  plot_alignment(r, dir + "/alignment", true);
  html << "<h2>Alignment with other runs</h2>\n<p>This run's latent against each other latent given (the same "
          "frames): Procrustes disparity after the best rotation, reflection, shift and one scale (0 = the same up to "
          "an isometry and scale), linear CKA (1 = the same up to an orthogonal map and scale) and the fraction of each "
          "frame's 10 nearest neighbours shared. DynAE's claim is that its latent is the slow coordinate up to an "
          "isometry, so runs that differ in seed or architecture should agree closely.</p>\n"
       << "<table><tr><th>other latent</th><th>disparity</th><th>CKA</th><th>kNN overlap</th></tr>\n";
  for (const AlignmentPair& p : r.pairs) {
    if (p.a != 0) continue;
    html << "<tr><td>" << escape(r.labels[p.b]) << "</td><td>" << fmt(p.alignment.disparity, "%.4f") << "</td><td>"
         << fmt(p.alignment.cka, "%.5f") << "</td><td>" << fmt(p.alignment.knn_overlap, "%.3f") << "</td></tr>\n";
  }
  html << "</table>\n<p>Over all " << r.labels.size() << " latents: worst pairwise disparity <b>"
       << fmt(r.worst_disparity(), "%.4f") << "</b>, smallest CKA <b>" << fmt(r.worst_cka(), "%.5f")
       << "</b>; this run's disparity to their consensus (generalised Procrustes mean) <b>" << fmt(r.residuals[0], "%.4f")
       << "</b>.</p>\n"
       << figure(dir, "alignment", "Pairwise disparity and CKA; latent 0 is this run, then the others in the order given");
}

/// Metrics of the latent against the truth, and the aligned latent's figure.
void write_truth_section(std::ostream& html, const std::string& dir, const ModelLandscape& landscape,
                         const std::vector<std::string>& truth_paths) {
  const Array truth = load_truth(truth_paths, landscape.lengths);
  const IdentifiabilityMetrics metrics = compare_latents(truth, landscape.latent, landscape.lengths);
  html << "<h2>Latent against the ground truth</h2>\n<table><tr><th>R^2</th><th>Procrustes disparity</th>"
          "<th>anisotropy</th><th>scale (latent units per truth unit)</th><th>step variance</th></tr><tr><td>"
       << fmt(metrics.r2, "%.5f") << "</td><td>" << fmt(metrics.disparity, "%.5f") << "</td><td>"
       << fmt(metrics.anisotropy, "%.4f") << "</td><td>" << fmt(metrics.scale) << "</td><td>";
  for (double v : metrics.step_variance) html << fmt(v, "%.3f") << " ";
  html << "</td></tr></table>\n";
  plot_latent_vs_truth(landscape.latent, truth, dir + "/latent_vs_truth");
  html << figure(dir, "latent_vs_truth", "Each latent coordinate, similarity-Procrustes aligned, against the true one");
}

/// Free energy, force field, basins and their table.
void write_landscape_section(std::ostream& html, const std::string& dir, const ModelLandscape& m,
                             const LandscapeOptions& options) {
  write_landscape(dir + "/landscape", m);
  plot_free_energy(m.landscape, m.force, dir + "/free_energy");
  html << "<h2>Free energy and metastable states</h2>\n<p>F = -ln p of the encoded frames, in kT, zero at its minimum; "
          "blank where no frame fell. Basins: steepest descent on the smoothed F, merged across barriers below "
       << options.min_barrier << " kT.</p>\n"
       << figure(dir, "free_energy", m.force.size() ? "Free energy with the learned force field" : "Free energy")
       << "<table><tr><th>state</th><th>centre</th><th>F (kT)</th><th>population</th>"
       << (m.model_populations.empty() ? "" : "<th>population of exp(-U)</th>") << "</tr>\n";
  for (int64_t k = 0; k < m.landscape.basins(); ++k) {
    html << "<tr><td>" << k << "</td><td>(" << fmt(m.landscape.centers.at(k, 0));
    if (m.landscape.dims() == 2) html << ", " << fmt(m.landscape.centers.at(k, 1));
    html << ")</td><td>" << fmt(m.landscape.basin_free_energy[k], "%.2f") << "</td><td>"
         << fmt(m.landscape.populations[k], "%.4f") << "</td>";
    if (!m.model_populations.empty()) html << "<td>" << fmt(m.model_populations[k], "%.4f") << "</td>";
    html << "</tr>\n";
  }
  html << "</table>\n";
  if (m.model_free_energy.size()) {
    html << "<p>The force is conservative, f = -grad U: U is the model's own free energy (model_free_energy.npy)";
    if (std::isfinite(m.free_energy_rmse)) {
      html << "; RMSE against the histogram's F over the " << m.free_energy_bins
           << " bins holding at least 0.1 % of the frames: <b>" << fmt(m.free_energy_rmse, "%.3f")
           << " kT</b>; the last column above is each basin's share of exp(-U)";
    }
    html << ".</p>\n";
  }
  if (m.has_helmholtz) {
    plot_helmholtz(m.landscape, m.helmholtz, dir + "/helmholtz");
    html << "<h2>Is the learned dynamics at equilibrium? (Helmholtz split)</h2>\n<p>The force split into a curl-free "
            "part -grad phi and a divergence-free part r (r . n = 0 on the grid's edge, the harmonic rest given to "
            "the curl-free part). Rotational fraction, the density-weighted share of |f|^2 in r (0 at equilibrium):";
    for (const auto& p : m.rotational_fractions) {
      html << " z" << p.i << "-z" << p.j << " <b>" << fmt(p.rotational_fraction, "%.4f") << "</b>";
    }
    html << ".</p>\n" << figure(dir, "helmholtz", "Curl-free and divergence-free parts of the learned force");
  }
}

/// One generated trajectory of the learned dynamics against the encoded one.
void write_dynamics_section(std::ostream& html, const std::string& dir, const Model& model, const ModelLandscape& m,
                            const ReportOptions& options) {
  const int64_t steps = options.generate_steps > 0 ? options.generate_steps : m.latent.frames() - 1;
  const int64_t d = model.options().latent_dim;
  const Array start({1, d}, std::vector<double>(m.latent.data.begin(), m.latent.data.begin() + d));
  double acceptance = NAN;
  Array generated = model.simulate_latent(start, steps, options.seed, &acceptance);
  generated.shape = {steps + 1, d};
  const DynamicsCheck check = compare_dynamics(m.landscape, m.latent, m.lengths, generated, {steps + 1});
  plot_generated_vs_encoded(m.landscape, check.reference_histogram, check.generated_histogram,
                            dir + "/generated_vs_encoded");
  html << "<h2>Learned dynamics</h2>\n<p>One trajectory of " << steps
       << " steps of the model's own transition density, from the first frame's latent"
       << (model.latent_diffusion().size() && !std::isfinite(acceptance)
               ? " (its noise the latent's measured diffusion, mean " + fmt(mean_diagonal(model.latent_diffusion()), "%.3f") +
                     ", where the prior assumes 1)"
               : std::string())
       << (std::isfinite(acceptance) ? " (Metropolis-adjusted, so that its stationary density is exp(-U): " +
                                           fmt(100 * acceptance, "%.1f") + " % of the moves accepted)"
                                     : std::string())
       << ". Jensen-Shannon divergence "
          "of the stationary histograms: <b>"
       << fmt(check.js_divergence, "%.4f") << "</b>.</p>\n"
       << figure(dir, "generated_vs_encoded", "Free energy along each axis, generated vs encoded")
       << "<table><tr><th>state</th><th>population, encoded</th><th>population, generated</th><th>mean lifetime "
          "(frames), encoded</th><th>mean lifetime (frames), generated</th></tr>\n";
  for (int64_t k = 0; k < m.landscape.basins(); ++k) {
    html << "<tr><td>" << k << "</td><td>" << fmt(check.reference.populations[k], "%.4f") << "</td><td>"
         << fmt(check.generated.populations[k], "%.4f") << "</td><td>" << fmt(check.reference.lifetimes[k], "%.1f")
         << "</td><td>" << fmt(check.generated.lifetimes[k], "%.1f") << "</td></tr>\n";
  }
  html << "</table>\n";
}

/// Markov state models of the latent's basins (and of the truth's, and of the
/// learned dynamics): implied timescales, the CK test and VAMP-2 scores.
void write_kinetics_section(std::ostream& html, const std::string& dir, const Model& model, const ModelLandscape& m,
                            const ReportOptions& options) {
  KineticsInput in;
  in.latents = split_frames(m.latent, m.lengths);
  in.model = &model;
  if (!options.truth_paths.empty()) in.truth = split_frames(load_truth(options.truth_paths, m.lengths), m.lengths);
  KineticsOptions o = options.kinetics;
  o.landscape = options.landscape;
  o.its.seed = options.seed;
  const KineticsResult r = analyse_kinetics(in, o);
  write_kinetics(dir + "/kinetics", r);
  html << "<h2>Kinetics</h2>\n<p>Reversible maximum-likelihood Markov state models on the free-energy basins";
  if (o.its.bootstrap > 0) html << ", " << o.its.bootstrap << " bootstrap samples (95 % intervals)";
  html << ". Tables and matrices: <code>report/kinetics/</code>.</p>\n<ul>\n";
  for (const auto& s : r.sources) {
    html << "<li><b>" << escape(s.name) << "</b>: " << escape(s.discretisation);
    if (s.converged_lag) html << "; slowest timescale converged at lag " << s.converged_lag << " frames";
    html << "</li>\n";
  }
  html << "</ul>\n";
  bool any_its = false;
  for (const auto& s : r.sources) any_its |= !s.its.empty();
  if (any_its) {
    html << "<figure>" << inline_svg(dir + "/kinetics/its.svg")
         << "<figcaption>Implied timescales against the lag (frames); bands: bootstrap intervals</figcaption></figure>\n";
  }
  if (r.comparison_lag > 0) {
    html << "<table><tr><th>timescales (frames) at lag " << r.comparison_lag << "</th><th>t1</th><th>t2</th><th>t3</th></tr>\n";
    for (const auto& s : r.sources) {
      for (const auto& e : s.its) {
        if (e.lag != r.comparison_lag) continue;
        html << "<tr><td>" << escape(s.name) << "</td>";
        for (size_t p = 0; p < 3; ++p) html << "<td>" << (p < e.timescales.size() ? fmt(e.timescales[p], "%.4g") : "") << "</td>";
        html << "</tr>\n";
      }
    }
    html << "</table>\n";
  }
  if (!r.ck.multiples.empty()) {
    html << "<p>Chapman-Kolmogorov test at lag " << r.ck.lag << " frames: max |predicted - estimated| = <b>"
         << fmt(r.ck.max_deviation, "%.4f") << "</b>.</p>\n<figure>" << inline_svg(dir + "/kinetics/ck.svg")
         << "<figcaption>Chapman-Kolmogorov test: T(lag)^k predicted (line) against T(k lag) estimated (points)"
            "</figcaption></figure>\n";
  }
  if (!r.vamp.empty()) {
    html << "<table><tr><th>VAMP-2 at lag " << r.vamp[0].lag << "</th><th>all data</th><th>held out</th></tr>\n";
    for (const auto& v : r.vamp) {
      html << "<tr><td>" << escape(v.name) << "</td><td>" << fmt(v.score, "%.4f") << "</td><td>"
           << (std::isfinite(v.test_score) ? fmt(v.test_score, "%.4f") : "n/a") << "</td></tr>\n";
    }
    html << "</table>\n";
  }
}

/// Training curves and the loss table.
void write_training_section(std::ostream& html, const std::string& dir, const std::vector<EpochReport>& history) {
  std::vector<LossPoint> points;
  for (const auto& r : history) {
    points.push_back({r.epoch, r.train.total, r.test.total, r.train.reconstruction, r.test.reconstruction});
  }
  plot_losses(points, dir + "/losses");
  html << "<h2>Training</h2>\n" << figure(dir, "losses", "Train and test losses per epoch")
       << "<table><tr><th>epoch</th><th>seconds</th><th>beta</th><th>clusters</th><th>train total</th><th>test total</th>"
          "<th>train reconstruction</th><th>test reconstruction</th><th>test regularization</th><th>test prior</th></tr>\n";
  for (const auto& r : history) {
    html << "<tr><td>" << r.epoch << "</td><td>" << fmt(r.seconds, "%.2f") << "</td><td>" << fmt(r.beta) << "</td><td>"
         << r.clusters << "</td><td>" << fmt(r.train.total) << "</td><td>" << fmt(r.test.total) << "</td><td>"
         << fmt(r.train.reconstruction) << "</td><td>" << fmt(r.test.reconstruction) << "</td><td>"
         << fmt(r.test.regularization) << "</td><td>" << fmt(r.test.prior) << "</td></tr>\n";
  }
  html << "</table>\n";
}

}  // namespace

std::string write_report(const std::string& run, const ReportOptions& options) {
  ConfigSpec spec;
  read_ini_config(run + "/config.ini", spec);
  const RunSettings settings = spec.expand().at(0);
  const Model model = Model::load(run + "/model.pt");
  const TrajectorySet data = load_run_data(settings);
  const std::string dir = run + "/report";
  // Other latents first: a bad one is named before the slow sections run
  const AlignmentReport alignment =
      options.align_with.empty() ? AlignmentReport{} : align_with_others(run, options.align_with);
  make_directories(dir);

  std::ostringstream html;
  write_header(html, run, model, data);
  write_quality_section(html, model);
  write_identifiability_section(html, model);
  const ModelLandscape landscape = model_landscape(model, data, options.landscape);
  if (!options.truth_paths.empty()) write_truth_section(html, dir, landscape, options.truth_paths);
  if (!options.align_with.empty()) write_alignment_section(html, dir, alignment);
  write_landscape_section(html, dir, landscape, options.landscape);
  if (model.has_dynamics()) write_dynamics_section(html, dir, model, landscape, options);
  write_kinetics_section(html, dir, model, landscape, options);
  const std::vector<EpochReport> history = read_loss_csv(run + "/losses.csv");
  if (!history.empty()) write_training_section(html, dir, history);
  html << "<h2>Configuration</h2>\n<pre>" << escape(slurp(run + "/config.ini")) << "</pre>\n</body></html>\n";
  const std::string path = run + "/report.html";
  write_text_atomically(path, html.str());
  return path;
}

}  // namespace dynae
