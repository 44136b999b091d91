#include "dynae/analysis/plots.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "data/tensor_convert.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

/// "set terminal ...; set output ...; <body>" once for png and once for svg.
std::string both_terminals(const std::string& stem, const std::string& data, const std::string& body) {
  std::ostringstream s;
  s << data;
  s << "set terminal pngcairo size " << kFigureWidth << "," << kFigureHeight << " font 'sans,11'\n"
    << "set output '" << stem << ".png'\n"
    << body << "\nset terminal svg size " << kFigureWidth << "," << kFigureHeight << " font 'sans,11' background '#ffffff'\n"
    << "set output '" << stem << ".svg'\n"
    << body << "\nset output\n";
  return s.str();
}

std::string num(double v) {
  if (!std::isfinite(v)) return "NaN";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

/// A 2-D landscape's free energy as the gnuplot data block `name` (rows
/// x y F); returns F's 98th percentile over the visited bins (NaN if none).
double free_energy_block(std::ostream& data, const Landscape& l, const std::string& name) {
  const int64_t n = static_cast<int64_t>(l.axes[0].size());
  std::vector<double> fv;
  data << name << " << EOD\n";
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double f = l.free_energy.data[i * n + j];
      if (std::isfinite(f)) fv.push_back(f);
      data << num(l.axes[0][i]) << " " << num(l.axes[1][j]) << " " << num(f) << "\n";
    }
  }
  data << "EOD\n";
  if (fv.empty()) return NAN;
  std::sort(fv.begin(), fv.end());
  return fv[static_cast<size_t>(0.98 * static_cast<double>(fv.size() - 1))];
}

/// The png or svg terminal for `panels` free-energy maps side by side, and
/// their shared colour scale from 0 to fmax kT.
std::string panels_header(const std::string& stem, size_t panels, bool png, double fmax) {
  const int width = kFigureWidth * static_cast<int>(panels);
  std::ostringstream b;
  if (png) {
    b << "set terminal pngcairo size " << width << "," << kFigureHeight << " font 'sans,11'\nset output '" << stem
      << ".png'\n";
  } else {
    b << "set terminal svg size " << width << "," << kFigureHeight << " font 'sans,11' background '#ffffff'\n"
      << "set output '" << stem << ".svg'\n";
  }
  b << "set multiplot layout 1," << panels << "\nset cblabel 'F (kT)'\nset cbrange [0:" << num(fmax)
    << "]\nset palette defined (0 '#08306b', 0.35 '#4292c6', 0.65 '#c6dbef', 1 '#fff5eb') maxcolors 10\n";
  return b.str();
}

}  // namespace

void run_gnuplot(const std::string& script, const std::string& what) {
  std::FILE* p = ::popen("gnuplot 2>&1", "w");
  if (!p) throw Error(what + ": cannot start gnuplot");
  std::fwrite(script.data(), 1, script.size(), p);
  const int status = ::pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(what + ": gnuplot failed (exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                "); is it installed? Debian package: gnuplot-nox");
  }
}

void plot_free_energy(const Landscape& landscape, const Array& force, const std::string& stem) {
  std::ostringstream data, body;
  const int64_t n = static_cast<int64_t>(landscape.axes[0].size());
  const std::string xl = "latent z" + std::to_string(landscape.coordinates[0]) + " (latent units)";
  double fmax = 0;
  std::vector<double> fv;
  for (double f : landscape.free_energy.data) {
    if (std::isfinite(f)) fv.push_back(f);
  }
  std::sort(fv.begin(), fv.end());
  fmax = fv.empty() ? 1 : std::max(1.0, fv[static_cast<size_t>(0.98 * (fv.size() - 1))]);
  data << "$C << EOD\n";
  for (int64_t k = 0; k < landscape.basins(); ++k) {
    data << num(landscape.centers.at(k, 0)) << " " << (landscape.dims() == 2 ? num(landscape.centers.at(k, 1)) : num(landscape.basin_free_energy[k]))
         << " " << k << "\n";
  }
  data << "EOD\n";
  if (landscape.dims() == 1) {
    data << "$F << EOD\n";
    for (int64_t i = 0; i < n; ++i) data << num(landscape.axes[0][i]) << " " << num(landscape.free_energy.data[i]) << "\n";
    data << "EOD\n";
    body << "set title 'Free energy of the encoded frames'\nset xlabel '" << xl << "'\nset ylabel 'F (kT)'\n"
         << "set key top right\nplot $F using 1:2 with lines lw 2 title 'F = -ln p', $C using 1:2 with points pt 7 ps 1.5 "
            "title 'basin minima'";
    run_gnuplot(both_terminals(stem, data.str(), body.str()), "free-energy figure");
    return;
  }
  const std::string yl = "latent z" + std::to_string(landscape.coordinates[1]) + " (latent units)";
  data << "$F << EOD\n";
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      data << num(landscape.axes[0][i]) << " " << num(landscape.axes[1][j]) << " " << num(landscape.free_energy.data[i * n + j]) << "\n";
    }
  }
  data << "EOD\n";
  const bool arrows = force.size() > 0;
  if (arrows) {
    // Every 4th bin where frames fell; arrow length proportional to |f|, the longest 3 bins.
    const int64_t d = force.shape.back(), step = std::max<int64_t>(1, n / 16);
    double fmag = 0;
    for (int64_t i = 0; i < n; i += step) {
      for (int64_t j = 0; j < n; j += step) {
        if (!std::isfinite(landscape.free_energy.data[i * n + j])) continue;
        const double a = force.data[(i * n + j) * d + landscape.coordinates[0]], b = force.data[(i * n + j) * d + landscape.coordinates[1]];
        fmag = std::max(fmag, std::hypot(a, b));
      }
    }
    const double dx = landscape.axes[0][1] - landscape.axes[0][0], dy = landscape.axes[1][1] - landscape.axes[1][0];
    const double scale = fmag > 0 ? 3.0 / fmag : 0;
    data << "$V << EOD\n";
    for (int64_t i = 0; i < n; i += step) {
      for (int64_t j = 0; j < n; j += step) {
        if (!std::isfinite(landscape.free_energy.data[i * n + j])) continue;
        const double a = force.data[(i * n + j) * d + landscape.coordinates[0]], b = force.data[(i * n + j) * d + landscape.coordinates[1]];
        data << num(landscape.axes[0][i]) << " " << num(landscape.axes[1][j]) << " " << num(a * scale * dx) << " " << num(b * scale * dy)
             << "\n";
      }
    }
    data << "EOD\n";
  }
  body << "set title '" << (arrows ? "Free energy and learned force field" : "Free energy of the encoded frames") << "'\n"
       << "set xlabel '" << xl << "'\nset ylabel '" << yl << "'\nset cblabel 'F (kT)'\n"
       << "set cbrange [0:" << num(fmax) << "]\nset palette defined (0 '#08306b', 0.35 '#4292c6', 0.65 '#c6dbef', 1 '#fff5eb') maxcolors 10\n"
       << "set xrange [" << num(landscape.lower[0]) << ":" << num(landscape.upper[0]) << "]\nset yrange [" << num(landscape.lower[1]) << ":"
       << num(landscape.upper[1]) << "]\nset key top right box opaque\nset size ratio -1\n"
       << "plot $F using 1:2:3 with image notitle";
  if (arrows) body << ", $V using 1:2:3:4 with vectors head size 0.8,20 filled lc rgb '#d62728' title 'learned force'";
  body << ", $C using 1:2 with points pt 7 ps 1.6 lc rgb '#000000' title 'basin minima'";
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "free-energy figure");
}

void plot_helmholtz(const Landscape& l, const HelmholtzSplit& split, const std::string& stem) {
  if (l.dims() != 2) throw Error("Helmholtz figure: the landscape is not 2-D");
  const int64_t n = static_cast<int64_t>(l.axes[0].size()), step = std::max<int64_t>(1, n / 16);
  std::ostringstream data;
  const double high = free_energy_block(data, l, "$F");
  const double fmax = std::isfinite(high) ? std::max(1.0, high) : 1.0;
  // one arrow scale for both parts: the longest arrow of either spans 3 bins
  double longest = 0;
  for (const Array* part : {&split.curl_free, &split.div_free}) {
    for (int64_t i = 0; i < n; i += step) {
      for (int64_t j = 0; j < n; j += step) {
        if (!std::isfinite(l.free_energy.data[i * n + j])) continue;
        const int64_t c = i * n + j;
        longest = std::max(longest, std::hypot(part->data[2 * c], part->data[2 * c + 1]));
      }
    }
  }
  const double dx = l.axes[0][1] - l.axes[0][0], dy = l.axes[1][1] - l.axes[1][0];
  const double scale = longest > 0 ? 3.0 / longest : 0;
  const char* names[2] = {"$G", "$R"};
  const Array* parts[2] = {&split.curl_free, &split.div_free};
  for (int p = 0; p < 2; ++p) {
    data << names[p] << " << EOD\n";
    for (int64_t i = 0; i < n; i += step) {
      for (int64_t j = 0; j < n; j += step) {
        if (!std::isfinite(l.free_energy.data[i * n + j])) continue;
        const int64_t c = i * n + j;
        data << num(l.axes[0][i]) << " " << num(l.axes[1][j]) << " " << num(parts[p]->data[2 * c] * scale * dx) << " "
             << num(parts[p]->data[2 * c + 1] * scale * dy) << "\n";
      }
    }
    data << "EOD\n";
  }
  char fraction[64];
  std::snprintf(fraction, sizeof fraction, "%.3g", split.rotational_fraction);
  const std::string titles[2] = {"Curl-free part -grad phi", std::string("Divergence-free part r (rotational fraction ") +
                                                                 fraction + ")"};
  auto terminal_body = [&](bool png) {
    std::ostringstream b;
    b << panels_header(stem, 2, png, fmax);
    for (int p = 0; p < 2; ++p) {
      b << "set title '" << titles[p] << "'\nset xlabel 'latent z" << l.coordinates[0] << "'\nset ylabel 'latent z"
        << l.coordinates[1] << "'\nset xrange [" << num(l.lower[0]) << ":" << num(l.upper[0]) << "]\nset yrange ["
        << num(l.lower[1]) << ":" << num(l.upper[1]) << "]\nset size ratio -1\n"
        << "plot $F using 1:2:3 with image notitle, " << names[p]
        << " using 1:2:3:4 with vectors head size 0.8,20 filled lc rgb '#d62728' notitle\n";
    }
    b << "unset multiplot\nset output\n";
    return b.str();
  };
  run_gnuplot(data.str() + terminal_body(true) + terminal_body(false), "Helmholtz figure");
}

void plot_free_energy_panels(const std::vector<FreeEnergyPanel>& panels, const std::string& stem) {
  if (panels.empty()) throw Error("free-energy panels: nothing to plot");
  std::ostringstream data, body;
  double fmax = 1;
  for (size_t p = 0; p < panels.size(); ++p) {
    const Landscape& l = *panels[p].landscape;
    if (l.dims() != 2) throw Error("free-energy panels: panel " + std::to_string(p) + " is not 2-D");
    const double high = free_energy_block(data, l, "$F" + std::to_string(p));
    if (std::isfinite(high)) fmax = std::max(fmax, high);
  }
  auto terminal_body = [&](bool png) {
    std::ostringstream b;
    b << panels_header(stem, panels.size(), png, fmax);
    for (size_t p = 0; p < panels.size(); ++p) {
      const FreeEnergyPanel& panel = panels[p];
      const Landscape& l = *panel.landscape;
      b << "unset label\nset title '" << panel.title << "'\nset xlabel '" << panel.xlabel << "'\nset ylabel '"
        << panel.ylabel << "'\nset xrange [" << num(l.lower[0]) << ":" << num(l.upper[0]) << "]\nset yrange ["
        << num(l.lower[1]) << ":" << num(l.upper[1]) << "]\nset size ratio 1\n";
      for (const auto& [xy, text] : panel.labels) {
        b << "set label \"" << text << "\" at " << num(xy[0]) << "," << num(xy[1])
          << " front center offset 0,1 textcolor rgb '#000000' point pt 7 ps 1.2\n";
      }
      b << "plot $F" << p << " using 1:2:3 with image notitle\n";
    }
    b << "unset multiplot\nset output\n";
    return b.str();
  };
  run_gnuplot(data.str() + terminal_body(true) + terminal_body(false), "free-energy panels");
}

void plot_losses(const std::vector<LossPoint>& h, const std::string& stem) {
  if (h.empty()) throw Error("loss figure: no epochs to plot");
  std::ostringstream data, body;
  data << "$L << EOD\n";
  for (const auto& r : h) {
    data << r.epoch << " " << num(r.train_total) << " " << num(r.test_total) << " " << num(r.train_reconstruction) << " "
         << num(r.test_reconstruction) << "\n";
  }
  data << "EOD\n";
  body << "set title 'Training curves'\nset xlabel 'epoch'\nset ylabel 'loss (log scale)'\nset logscale y\n"
       << "set key top right\nset grid\n"
       << "plot $L using 1:2 with linespoints pt 7 ps 0.6 lw 2 title 'train total', "
       << "$L using 1:3 with linespoints pt 5 ps 0.6 lw 2 title 'test total', "
       << "$L using 1:4 with lines dt 2 lw 2 title 'train reconstruction', "
       << "$L using 1:5 with lines dt 3 lw 2 title 'test reconstruction'";
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "loss figure");
}

void plot_latent_vs_truth(const Array& latent, const Array& truth, const std::string& stem) {
  if (latent.frames() != truth.frames() || latent.rank() != 2 || truth.rank() != 2) {
    throw DataError("latent-vs-truth figure: latent " + latent.shape_string() + " and truth " + truth.shape_string() +
                    " must be (T, d) and (T, k) with the same T");
  }
  // Similarity Procrustes of the centred latent onto the centred truth (columns padded to the larger count).
  torch::Tensor z = to_tensor(latent, torch::kFloat64), x = to_tensor(truth, torch::kFloat64);
  const torch::Tensor zm = z.mean(0), xm = x.mean(0);
  z = z - zm;
  x = x - xm;
  const int64_t cols = std::max(z.size(1), x.size(1));
  auto pad = [&](const torch::Tensor& t) {
    return t.size(1) == cols ? t : torch::cat({t, torch::zeros({t.size(0), cols - t.size(1)}, t.options())}, 1);
  };
  const torch::Tensor zp = pad(z), xp = pad(x);
  const auto [u, s, vh] = torch::linalg::svd(zp.t().mm(xp), false, c10::nullopt);
  const torch::Tensor q = u.mm(vh);  // rotation taking z onto x
  const double c = s.sum().item<double>() / zp.pow(2).sum().item<double>();
  const torch::Tensor aligned = (c * zp.mm(q)).slice(1, 0, x.size(1)) + xm;
  const torch::Tensor truth_t = x + xm;
  const int64_t k = x.size(1), t = x.size(0), stride = std::max<int64_t>(1, t / 2000);
  std::ostringstream data, body;
  data << "$P << EOD\n";
  for (int64_t i = 0; i < t; i += stride) {
    for (int64_t j = 0; j < k; ++j) data << num(truth_t[i][j].item<double>()) << " " << num(aligned[i][j].item<double>()) << " ";
    data << "\n";
  }
  data << "EOD\n";
  body << "set multiplot layout 1," << k << " title 'Latent against ground truth (similarity-Procrustes aligned)'\n"
       << "set key top left\nset grid\nset size ratio -1\n";
  for (int64_t j = 0; j < k; ++j) {
    body << "set title 'coordinate " << j << "'\nset xlabel 'true x" << j << " (truth units)'\nset ylabel 'aligned latent (truth units)'\n"
         << "plot $P using " << 2 * j + 1 << ":" << 2 * j + 2 << " with dots lc rgb '#1f77b4' title 'frames', x with lines lw 2 "
            "lc rgb '#d62728' title 'identity'\n";
  }
  body << "unset multiplot";
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "latent-vs-truth figure");
}

void plot_generated_vs_encoded(const Landscape& landscape, const std::vector<double>& enc, const std::vector<double>& gen,
                               const std::string& stem) {
  const int64_t n = static_cast<int64_t>(landscape.axes[0].size());
  const int64_t cells = landscape.dims() == 1 ? n : n * n;
  if (static_cast<int64_t>(enc.size()) < cells || static_cast<int64_t>(gen.size()) < cells) {
    throw Error("generated-vs-encoded figure: histograms smaller than the grid");
  }
  std::ostringstream data, body;
  body << "set multiplot layout 1," << landscape.dims() << " title 'Stationary distribution: generated vs encoded'\n"
       << "set key top center\nset grid\n";
  for (int64_t a = 0; a < landscape.dims(); ++a) {
    std::vector<double> pe(n, 0.0), pg(n, 0.0);
    for (int64_t b = 0; b < cells; ++b) {
      const int64_t i = landscape.dims() == 1 ? b : (a == 0 ? b / n : b % n);
      pe[i] += enc[b];
      pg[i] += gen[b];
    }
    const double me = *std::max_element(pe.begin(), pe.end()), mg = *std::max_element(pg.begin(), pg.end());
    data << "$H" << a << " << EOD\n";
    for (int64_t i = 0; i < n; ++i) {
      data << num(landscape.axes[a][i]) << " " << num(pe[i] > 0 ? -std::log(pe[i] / me) : NAN) << " "
           << num(pg[i] > 0 ? -std::log(pg[i] / mg) : NAN) << "\n";
    }
    data << "EOD\n";
    body << "set title 'along z" << landscape.coordinates[a] << "'\nset xlabel 'latent z" << landscape.coordinates[a]
         << " (latent units)'\nset ylabel 'F = -ln p (kT)'\n"
         << "plot $H" << a << " using 1:2 with lines lw 2 title 'encoded data', $H" << a
         << " using 1:3 with lines lw 2 dt 2 title 'generated'\n";
  }
  body << "unset multiplot";
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "generated-vs-encoded figure");
}

}  // namespace dynae

namespace dynae {

void plot_implied_timescales(const std::vector<TimescaleCurve>& curves, const std::string& unit, const std::string& stem) {
  if (curves.empty()) throw Error("implied-timescales figure: no timescale to plot");
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"};
  std::ostringstream data, body;
  double lo = 1e300, hi = 0, tmin = 1e300;
  for (size_t c = 0; c < curves.size(); ++c) {
    data << "$T" << c << " << EOD\n";
    for (size_t i = 0; i < curves[c].lag.size(); ++i) {
      data << num(curves[c].lag[i]) << " " << num(curves[c].timescale[i]) << " " << num(curves[c].lower[i]) << " "
           << num(curves[c].upper[i]) << "\n";
      lo = std::min(lo, curves[c].lag[i]);
      hi = std::max(hi, curves[c].lag[i]);
      tmin = std::min(tmin, curves[c].lower[i]);
    }
    data << "EOD\n";
  }
  body << "set title 'Implied timescales'\nset xlabel 'lag time (" << unit << ")'\nset ylabel 'timescale (" << unit
       << ")'\nset logscale xy\nset key top left box opaque font ',9'\nset grid\nset xrange [" << num(lo / 1.2) << ":" << num(hi * 1.2)
       << "]\nset yrange [" << num(std::min(lo, tmin) / 2) << ":*]\nplot x with filledcurves y1=" << num(std::min(lo, tmin) / 2)
       << " fs solid 0.15 lc rgb '#777777' title 'timescale < lag (not resolved)'";
  for (size_t c = 0; c < curves.size(); ++c) {
    const char* colour = colours[curves[c].process % 8];
    body << ", $T" << c << " using 1:3:4 with filledcurves fs transparent solid 0.2 noborder lc rgb '" << colour
         << "' notitle, $T" << c << " using 1:2 with linespoints lw 2 pt " << 7 + 2 * (curves[c].style % 4) << " dt "
         << 1 + curves[c].style % 5 << " lc rgb '" << colour << "' title '" << curves[c].label << "'";
  }
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "implied-timescales figure");
}

void plot_ck_test(const CkResult& ck, double dt, const std::string& unit, const std::string& stem) {
  if (ck.multiples.empty()) throw Error("CK figure: no multiple of the lag was tested");
  const int64_t s = std::min<int64_t>(ck.sets, 5);
  std::ostringstream data, body;
  for (int64_t a = 0; a < s; ++a) {
    for (int64_t b = 0; b < s; ++b) {
      data << "$P" << a << "_" << b << " << EOD\n0 " << (a == b ? 1 : 0) << " " << (a == b ? 1 : 0) << "\n";
      for (size_t k = 0; k < ck.multiples.size(); ++k) {
        data << num(ck.multiples[k] * ck.lag * dt) << " " << num(ck.at_predicted(k, a, b)) << " "
             << num(ck.at_estimated(k, a, b)) << "\n";
      }
      data << "EOD\n";
    }
  }
  body << "set multiplot layout " << s << "," << s << " title \"Chapman-Kolmogorov test at lag " << num(ck.lag * dt) << " "
       << unit << ", from set A to set B\\npredicted p_A T(lag)^k 1_B (line), estimated p_A T(k lag) 1_B (points)\" font ',10'\n"
       << "set yrange [0:1]\nset grid\nunset key\n"
       << "set tics font ',8'\n";
  for (int64_t a = 0; a < s; ++a) {
    for (int64_t b = 0; b < s; ++b) {
      body << "set title '" << ck.set_ids[a] << " -> " << ck.set_ids[b] << "' font ',9'\n"
           << (a == s - 1 ? "set xlabel 'lag time (" + unit + ")' font ',8'\n" : "unset xlabel\n")
           << "plot $P" << a << "_" << b << " using 1:2 with lines lw 2 lc rgb '#1f77b4', $P" << a << "_" << b
           << " using 1:3 with points pt 7 ps 0.8 lc rgb '#d62728'\n";
    }
  }
  body << "unset multiplot";
  run_gnuplot(both_terminals(stem, data.str(), body.str()), "CK figure");
}

}  // namespace dynae
