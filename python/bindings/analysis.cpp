// Landscapes, kinetics (implied timescales, Chapman-Kolmogorov, VAMP-2) and
// the identifiability metrics, arrays in and dicts of arrays out (the
// package wraps them in result objects).
#include "common.h"
#include "dynae/analysis/alignment.h"
#include "dynae/analysis/ck_test.h"
#include "dynae/analysis/discretise.h"
#include "dynae/analysis/metrics.h"
#include "dynae/analysis/msm.h"
#include "dynae/analysis/transformations.h"
#include "dynae/analysis/vamp.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/experiments/kinetics.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/models/model.h"

namespace dynae::python {

namespace {

py::list label_lists(const std::vector<std::vector<int64_t>>& labels) {
  py::list out;
  for (const auto& l : labels) out.append(to_numpy(l));
  return out;
}

int64_t states_of(const DiscreteTrajectories& d, int64_t states) {
  const int64_t seen = count_states(d);
  if (states == 0) return seen;
  if (states < seen) {
    throw DataError("states = " + std::to_string(states) + " but the labels reach " + std::to_string(seen - 1) +
                    " (expected states > every label)");
  }
  return states;
}

py::dict landscape_dict(const ModelLandscape& m) {
  const Landscape& l = m.landscape;
  py::dict d;
  d["coordinates"] = l.coordinates;
  py::list axes;
  for (const auto& a : l.axes) axes.append(to_numpy(a));
  d["axes"] = axes;
  d["lower"] = l.lower;
  d["upper"] = l.upper;
  d["counts"] = to_numpy(l.counts);
  d["free_energy"] = to_numpy(l.free_energy);
  d["basin"] = to_numpy(l.basin);
  d["centers"] = to_numpy(l.centers);
  d["basin_free_energy"] = to_numpy(l.basin_free_energy);
  d["populations"] = to_numpy(l.populations);
  d["latent"] = to_numpy(m.latent);
  d["states"] = to_numpy(m.states);
  d["lengths"] = m.lengths;
  d["force"] = to_numpy(m.force);
  d["model_free_energy"] = to_numpy(m.model_free_energy);
  d["free_energy_rmse"] = m.free_energy_rmse;
  d["summary"] = landscape_summary(l);
  return d;
}

}  // namespace

void register_analysis(py::module_& m) {
  m.def(
      "transformations",
      [](const Model& model, const py::object& x, int64_t lag, const py::object& labels) {
        const std::vector<Array> frames = to_arrays(x, "x");
        TransformationAnalysis a;
        NextFrameError e;
        const bool flows = model.flow_field_count() > 0;
        {
          py::gil_scoped_release release;
          if (flows) a = analyse_transformations(model, frames, {}, lag);
          e = flows ? a.next_frame : next_frame_error(model, frames, {}, lag);
        }
        py::dict d;
        d["next_frame_mse"] = e.mse;
        d["next_frame_relative_error"] = e.relative;
        d["next_frame_log_likelihood"] = e.log_likelihood();
        d["next_frame_kl"] = e.kl;
        d["next_frame_elbo"] = e.elbo();
        d["transitions"] = e.transitions;
        if (!flows) return d;
        py::list speeds;
        for (const auto& s : a.speeds) speeds.append(to_numpy(s));
        d["speeds"] = speeds;
        d["field_scale"] = a.field_scale;
        d["field_share"] = a.field_share;
        d["active_fields"] = a.active_fields;
        d["latent_equivariance_error"] = a.latent_equivariance;
        d["rotational_share"] = a.rotational_share;
        if (!labels.is_none()) {
          const std::vector<int64_t> l = labels.cast<std::vector<int64_t>>();
          py::list carry;
          for (const PrimitiveCarry& c : primitive_carry(a.speeds, l)) {
            py::dict row;
            row["label"] = c.label;
            row["transitions"] = c.transitions;
            row["field"] = c.field;
            row["share"] = c.share;
            carry.append(row);
          }
          d["primitive_carry"] = carry;
        }
        return d;
      },
      py::arg("model"), py::arg("x"), py::arg("lag") = 1, py::arg("labels") = py::none());
  m.def(
      "landscape",
      [](const Model& model, const py::object& x, int64_t bins, double smoothing, double min_barrier,
         double min_population, std::vector<int64_t> coordinates) {
        TrajectorySet data;
        const std::vector<Array> frames = to_arrays(x, "x");
        for (size_t i = 0; i < frames.size(); ++i) data.add("x[" + std::to_string(i) + "]", frames[i]);
        LandscapeOptions o;
        o.bins = bins;
        o.smoothing = smoothing;
        o.min_barrier = min_barrier;
        o.min_population = min_population;
        o.coordinates = std::move(coordinates);
        o.validate();
        ModelLandscape out;
        {
          py::gil_scoped_release release;
          out = model_landscape(model, data, o);
        }
        return landscape_dict(out);
      },
      py::arg("model"), py::arg("x"), py::arg("bins") = 64, py::arg("smoothing") = 1.0, py::arg("min_barrier") = 1.0,
      py::arg("min_population") = 0.005, py::arg("coordinates") = std::vector<int64_t>{});

  m.def(
      "compare_latents",
      [](const py::handle& truth, const py::handle& latent, std::vector<int64_t> lengths) {
        const IdentifiabilityMetrics r = compare_latents(to_array(truth, "truth"), to_array(latent, "latent"), lengths);
        py::dict d;
        d["r2"] = r.r2;
        d["disparity"] = r.disparity;
        d["anisotropy"] = r.anisotropy;
        d["scale"] = r.scale;
        d["step_variance"] = to_numpy(r.step_variance);
        d["truth_step_variance"] = to_numpy(r.truth_step_variance);
        return d;
      },
      py::arg("truth"), py::arg("latent"), py::arg("lengths") = std::vector<int64_t>{});

  m.def(
      "align_latents",
      [](const py::handle& a, const py::handle& b, int64_t k) {
        const LatentAlignment r = align_latents(to_array(a, "a"), to_array(b, "b"), k);
        py::dict d;
        d["disparity"] = r.disparity;
        d["cka"] = r.cka;
        d["knn_overlap"] = r.knn_overlap;
        return d;
      },
      py::arg("a"), py::arg("b"), py::arg("k") = 10);
  m.def(
      "consensus_latent",
      [](const py::list& latents) {
        std::vector<Array> in;
        for (size_t i = 0; i < latents.size(); ++i) in.push_back(to_array(latents[i], "latents[" + std::to_string(i) + "]"));
        std::vector<double> residuals;
        Array c = consensus_latent(in, &residuals);
        return py::make_tuple(to_numpy(std::move(c)), to_numpy(std::move(residuals)));
      },
      py::arg("latents"));

  m.def(
      "kmeans_states",
      [](const py::object& z, int64_t k, uint64_t seed) {
        const std::vector<Array> parts = to_arrays(z, "z");
        std::vector<int64_t> lengths;
        for (const Array& p : parts) lengths.push_back(p.frames());
        return label_lists(standardised_kmeans_states(Array::concat_frames(parts), lengths, k, seed));
      },
      py::arg("z"), py::arg("k"), py::arg("seed") = 0);

  m.def(
      "its",
      [](const py::object& dtrajs, std::vector<int64_t> lags, int64_t states, int64_t processes, int64_t bootstrap,
         double confidence, uint64_t seed, bool reversible) {
        const DiscreteTrajectories d = to_labels(dtrajs, "dtrajs");
        const int64_t n = states_of(d, states);
        if (lags.empty()) {
          std::vector<int64_t> lengths;
          for (const auto& t : d) lengths.push_back(static_cast<int64_t>(t.size()));
          lags = default_lags(lengths);
        }
        ItsOptions o;
        o.processes = processes;
        o.bootstrap = bootstrap;
        o.confidence = confidence;
        o.seed = seed;
        o.msm.reversible = reversible;
        py::list rows;
        for (int64_t lag : lags) {
          if (lag < 1) throw ConfigError("lags: " + std::to_string(lag) + " (expected lags of 1 frame or more)");
          ItsEstimate e;
          {
            py::gil_scoped_release release;
            e = implied_timescales(d, n, lag, o);
          }
          py::dict r;
          r["lag"] = e.lag;
          r["timescales"] = to_numpy(e.timescales);
          r["lower"] = to_numpy(e.lower);
          r["upper"] = to_numpy(e.upper);
          r["bootstrap_samples"] = e.bootstrap_samples;
          r["active_states"] = e.msm.active_states();
          rows.append(r);
        }
        return rows;
      },
      py::arg("dtrajs"), py::arg("lags") = std::vector<int64_t>{}, py::arg("states") = 0, py::arg("processes") = 3,
      py::arg("bootstrap") = 0, py::arg("confidence") = 0.95, py::arg("seed") = 0, py::arg("reversible") = true);

  m.def(
      "msm",
      [](const py::object& dtrajs, int64_t lag, int64_t states, bool reversible) {
        const DiscreteTrajectories d = to_labels(dtrajs, "dtrajs");
        MsmOptions o;
        o.reversible = reversible;
        const Msm msm = estimate_msm(d, states_of(d, states), lag, o);
        py::dict r;
        r["lag"] = msm.lag;
        r["active"] = to_numpy(msm.active);
        r["transition"] = to_numpy(msm.transition);
        r["stationary"] = to_numpy(msm.stationary);
        r["eigenvalues"] = to_numpy(msm.eigenvalues);
        r["timescales"] = to_numpy(msm.timescales(std::max<int64_t>(0, msm.active_states() - 1)));
        r["active_count_fraction"] = msm.active_count_fraction;
        r["converged"] = msm.converged;
        return r;
      },
      py::arg("dtrajs"), py::arg("lag"), py::arg("states") = 0, py::arg("reversible") = true);

  m.def(
      "ck_test",
      [](const py::object& dtrajs, int64_t lag, std::vector<int64_t> sets, int64_t states, int64_t steps,
         bool reversible) {
        const DiscreteTrajectories d = to_labels(dtrajs, "dtrajs");
        CkOptions o;
        o.steps = steps;
        o.msm.reversible = reversible;
        const CkResult c = ck_test(d, states_of(d, states), lag, sets, o);
        const auto k = static_cast<int64_t>(c.multiples.size());
        py::dict r;
        r["lag"] = c.lag;
        r["sets"] = c.set_ids;
        r["multiples"] = c.multiples;
        r["predicted"] = to_numpy(Array({k, c.sets, c.sets}, Values(c.predicted)));
        r["estimated"] = to_numpy(Array({k, c.sets, c.sets}, Values(c.estimated)));
        r["max_deviation"] = c.max_deviation;
        return r;
      },
      py::arg("dtrajs"), py::arg("lag"), py::arg("sets") = std::vector<int64_t>{}, py::arg("states") = 0,
      py::arg("steps") = 5, py::arg("reversible") = true);

  m.def(
      "vamp2",
      [](const py::object& x, int64_t lag, const py::object& test, int64_t rank) {
        const std::vector<Array> train = to_arrays(x, "x");
        VampOptions o;
        o.rank = rank;
        const VampModel v = fit_vamp(train, lag, o);
        py::dict r;
        r["lag"] = v.lag;
        r["score"] = v.score();
        r["singular_values"] = to_numpy(v.singular_values);
        r["test_score"] = test.is_none() ? py::object(py::none()) : py::float_(vamp2_score(v, to_arrays(test, "test")));
        return r;
      },
      py::arg("x"), py::arg("lag"), py::arg("test") = py::none(), py::arg("rank") = 0);
}

}  // namespace dynae::python
