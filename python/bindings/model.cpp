// dynae._dynae.Model: a fitted model (dynae/models/model.h) for Python.
#include <fstream>

#include "common.h"
#include "options.h"
#include "dynae/errors.h"
#include "dynae/analysis/identifiability.h"
#include "dynae/export/torchscript.h"
#include "dynae/models/model.h"

namespace dynae::python {

namespace {

/// f(model, x) with x read from numpy, the work done without the interpreter's lock.
template <class F>
py::array apply(const Model& model, const py::handle& x, const std::string& what, F f) {
  const Array in = to_array(x, what);
  Array out;
  {
    py::gil_scoped_release release;
    out = f(model, in);
  }
  return to_numpy(std::move(out));
}

/// f(model, a, b) for two arrays read from numpy, likewise.
template <class F>
py::array apply2(const Model& model, const py::handle& a, const char* a_name, const py::handle& b, const char* b_name,
                 F f) {
  const Array in_a = to_array(a, a_name), in_b = to_array(b, b_name);
  Array out;
  {
    py::gil_scoped_release release;
    out = f(model, in_a, in_b);
  }
  return to_numpy(std::move(out));
}

py::dict quality_dict(const TrainingQuality& q) {
  py::dict d;
  d["lag"] = q.lag;
  d["timescale"] = q.timescale;
  d["second"] = q.second;
  d["start_timescales"] = q.start_timescales;
  d["chosen_start"] = q.chosen_start;
  d["measured"] = q.measured();
  return d;
}

}  // namespace

void register_model(py::module_& m) {
  py::class_<Model>(m, "Model", "A fitted model (dynae.load reads one; an estimator's fit makes one)")
      .def("encode", [](const Model& s, const py::handle& x) { return apply(s, x, "x", [](const Model& mo, const Array& a) { return mo.encode(a); }); },
           py::arg("x"), "Latents (N, d) of frames x (N, ...); the posterior mean for the VAE and SDE-VAE")
      .def("log_variance", [](const Model& s, const py::handle& x) { return apply(s, x, "x", [](const Model& mo, const Array& a) { return mo.log_variance(a); }); },
           py::arg("x"), "Posterior log-variances (N, d) (VAE, SDE-VAE, STA)")
      .def("decode", [](const Model& s, const py::handle& z) { return apply(s, z, "z", [](const Model& mo, const Array& a) { return mo.decode(a); }); },
           py::arg("z"), "Reconstructions (N, ...) of latents z (N, d)")
      .def("reconstruct", [](const Model& s, const py::handle& x) { return apply(s, x, "x", [](const Model& mo, const Array& a) { return mo.reconstruct(a); }); },
           py::arg("x"), "decode(encode(x))")
      .def("force", [](const Model& s, const py::handle& z) { return apply(s, z, "z", [](const Model& mo, const Array& a) { return mo.force(a); }); },
           py::arg("z"), "The learned latent force f(z) (N, d) (DynAE, SDE-VAE)")
      .def("free_energy", [](const Model& s, const py::handle& z) { return apply(s, z, "z", [](const Model& mo, const Array& a) { return mo.free_energy(a); }); },
           py::arg("z"), "The model's own free energy U(z) in kT (a conservative force only)")
      .def("diffusion", [](const Model& s, const py::handle& z) { return apply(s, z, "z", [](const Model& mo, const Array& a) { return mo.diffusion(a); }); },
           py::arg("z"), "Diagonal diffusion D(z) (N, d); ones when it is not learned")
      .def("flow_fields", [](const Model& s, const py::handle& z) { return apply(s, z, "z", [](const Model& mo, const Array& a) { return mo.flow_fields(a); }); },
           py::arg("z"), "STA: every learned flow field at latents z (N, d): (N, K, d), the curl-free ones first")
      .def(
          "transition_speeds",
          [](const Model& s, const py::handle& x0, const py::handle& x1) {
            return apply2(s, x0, "x0", x1, "x1", [](const Model& m, const Array& a, const Array& b) { return m.transition_speeds(a, b); });
          },
          py::arg("x0"), py::arg("x1"), "STA: the inferred speeds (N, K) of the transitions x0[i] -> x1[i] (posterior means)")
      .def(
          "speed_kl",
          [](const Model& s, const py::handle& x0, const py::handle& x1) {
            return apply2(s, x0, "x0", x1, "x1", [](const Model& m, const Array& a, const Array& b) { return m.speed_kl(a, b); });
          },
          py::arg("x0"), py::arg("x1"), "STA: each transition's KL(q(s | x0, x1) || p(s)) in nats (N)")
      .def("posterior_kl", [](const Model& s, const py::handle& x) { return apply(s, x, "x", [](const Model& mo, const Array& a) { return mo.posterior_kl(a); }); },
           py::arg("x"), "KL(q(z | x) || N(0, I)) per frame in nats (VAE, SDE-VAE, STA)")
      .def(
          "transport",
          [](const Model& s, const py::handle& z, const py::handle& speeds) {
            return apply2(s, z, "z", speeds, "speeds", [](const Model& m, const Array& a, const Array& b) { return m.transport(a, b); });
          },
          py::arg("z"), py::arg("speeds"), "STA: latents z (N, d) moved for unit time along sum_k s_k v_k")
      .def_property_readonly("flow_field_count", &Model::flow_field_count, "STA: the number K of flow fields (0 for other models)")
      .def(
          "simulate_latent",
          [](const Model& s, const py::handle& z0, int64_t steps, uint64_t seed, bool unit_diffusion) {
            const Array start = to_array(z0, "z0");
            Array out;
            double acceptance = 0;
            {
              py::gil_scoped_release release;
              out = s.simulate_latent(start, steps, seed, &acceptance, unit_diffusion);
            }
            return py::make_tuple(to_numpy(std::move(out)), acceptance);
          },
          py::arg("z0"), py::arg("steps"), py::arg("seed") = 0, py::arg("unit_diffusion") = false,
          "Runs the learned latent dynamics from each row of z0 (M, d): ((steps + 1, M, d), acceptance)")
      .def(
          "save",
          [](const Model& s, const std::string& path) {
            py::gil_scoped_release release;
            s.save(path);
          },
          py::arg("path"), "Writes model.pt (atomically: a temporary file, then renamed), as `dynae train` does")
      .def_static(
          "load",
          [](const std::string& path) {
            py::gil_scoped_release release;
            return Model::load(path);
          },
          py::arg("path"), "Reads a model.pt (CheckpointError when it is not one or is damaged)")
      .def(
          "export_torchscript",
          [](const Model& s, const std::string& path, const std::string& what, const std::string& label) {
            const ExportTarget target = parse_export_target(what);
            check_plumed_label(label);
            ExportInfo info;
            {
              py::gil_scoped_release release;
              info = export_torchscript(s, target, path);
            }
            py::dict d;
            d["path"] = path;
            d["what"] = export_target_name(info.target);
            d["inputs"] = info.inputs;
            d["outputs"] = info.outputs;
            d["input_names"] = info.input_names;
            d["plumed"] = plumed_lines(info, path, label);
            return d;
          },
          py::arg("path"), py::arg("what") = "encoder", py::arg("label") = "cv",
          "Writes a TorchScript module of the encoder, decoder, force or free-energy; returns what it holds and "
          "the PLUMED lines that load it")
      .def_property_readonly("name", &Model::model_name, "the canonical model name (dynae, vae, swae, sdevae, tae, tica)")
      .def_property_readonly("is_variational", &Model::is_variational)
      .def_property_readonly("has_dynamics", &Model::has_dynamics)
      .def_property_readonly("has_potential", &Model::has_potential)
      .def_property_readonly("epochs_trained", &Model::epochs_trained)
      .def_property_readonly("feature_names", &Model::feature_names)
      .def_property_readonly("input_shape", &Model::input_frame_shape, "one input frame's shape")
      .def_property_readonly("target_shape", &Model::target_frame_shape, "one reconstructed frame's shape")
      .def_property_readonly("eigenvalues", [](const Model& s) { return to_numpy(s.eigenvalues()); },
                             "TICA: every eigenvalue, descending (empty otherwise)")
      .def_property_readonly("cluster_centers", [](const Model& s) { return to_numpy(s.cluster_centers()); })
      .def_property_readonly("latent_diffusion", [](const Model& s) { return to_numpy(s.latent_diffusion()); },
                             "(d, d) diffusion the latent has, measured after training (DynAE)")
      .def_property_readonly("quality", [](const Model& s) { return quality_dict(s.quality()); },
                             "the run's own quality figure: slowest implied timescale of a 50-state MSM on the latent")
      .def_property_readonly("options", [](const Model& s) {
            RunSettings r;
            r.options = s.options();
            py::dict all = settings_values(r);
            py::dict out;
            for (const auto& option : model_option_table()) {
              const std::string k = option.info.python_keyword();
              if (all.contains(k)) out[py::str(k)] = all[py::str(k)];
            }
            return out;
          }, "the model options it was trained with, keyword -> value")
      .def_property_readonly("identifiability", [](const Model& s) -> py::object {
            const Identifiability& id = s.identifiability();
            if (!id.measured()) return py::none();
            py::dict d;
            d["substeps"] = id.substeps;
            d["lambda"] = to_numpy(id.lambda);
            d["kappa"] = to_numpy(id.kappa);
            d["directions"] = to_numpy(id.directions);
            d["diffusion"] = to_numpy(id.diffusion);
            d["kappa_first_half"] = to_numpy(id.kappa_first_half);
            d["halves_spread"] = id.halves_spread();
            d["kappa_second_half"] = to_numpy(id.kappa_second_half);
            d["flagged"] = id.flagged();
            d["text"] = identifiability_text(id, s.options().lag);
            return d;
          }, "what the run could not identify: kappa (relaxation per lag) per direction of the learned force, the "
             "measured diffusion, the two halves' kappa and their largest relative difference (halves_spread), flagged directions (kappa > 1); None when not measured")
      .def("to_bytes", [](const Model& s) { return py::bytes(s.to_bytes()); }, "the model.pt file's bytes")
      .def_static("from_bytes", [](const py::bytes& b) { return Model::from_bytes(std::string(b), "bytes"); })
      .def(py::pickle([](const Model& s) { return py::bytes(s.to_bytes()); },
                      [](const py::bytes& b) { return Model::from_bytes(std::string(b), "a pickled dynae model"); }))
      .def("__repr__", [](const Model& s) {
        return "<dynae model " + model_display_name(s.model_name()) + ", d=" + std::to_string(s.options().latent_dim) +
               ", " + std::to_string(s.epochs_trained()) + " epochs>";
      });
}

}  // namespace dynae::python
