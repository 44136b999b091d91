#include "dynae/simulate/systems.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "dynae/errors.h"
#include "simulate/builtin_potentials.h"

namespace dynae {
namespace {

std::string normalise(std::string s) {
  for (auto& c : s) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Defaults were chosen so that `steps` steps visit every state (tests check it);
// states are the minima, radius about half the distance to the nearest saddle.
std::vector<SystemSpec> build_specs() {
  std::vector<SystemSpec> s;
  {
    SystemSpec h;
    h.name = "harmonic";
    h.description =
        "V = 0.5 sum_i k x_i^2 in any dimension (--dim); stationary variance kT/k, autocorrelation e^(-k t)";
    h.dim = 0;
    h.dt = 1e-2;
    h.kT = 1;
    h.steps = 100000;
    h.states = {{"min", {}, 1.0}};
    h.parameters = {{"k", 1.0, "spring constant (every axis)"}};
    s.push_back(h);
  }
  {
    SystemSpec d;
    d.name = "double_well_1d";
    d.description = "V = h (x^2 - 1)^2, minima at x = -1, 1";
    d.dim = 1;
    d.dt = 1e-3;
    d.kT = 0.5;
    d.steps = 200000;
    d.start = {-1};
    d.states = {{"left", {-1}, 0.5}, {"right", {1}, 0.5}};
    d.parameters = {{"barrier", 1.0, "h, the barrier height"}};
    s.push_back(d);
  }
  {
    SystemSpec d;
    d.name = "double_well_2d";
    d.description = "V = h (x^2 - 1)^2 + y^2, minima at (-1, 0), (1, 0)";
    d.dim = 2;
    d.dt = 1e-3;
    d.kT = 0.5;
    d.steps = 200000;
    d.start = {-1, 0};
    d.states = {{"left", {-1, 0}, 0.5}, {"right", {1, 0}, 0.5}};
    d.parameters = {{"barrier", 1.0, "h, the barrier height along x"}};
    s.push_back(d);
  }
  {
    SystemSpec t;
    t.name = "triple_well_2d";
    t.description =
        "V = 3 e^(-x^2-(y-1/3)^2) - 3 e^(-x^2-(y-5/3)^2) - 5 e^(-(x-1)^2-y^2) - 5 e^(-(x+1)^2-y^2) + 0.2 x^4 + 0.2 "
        "(y-1/3)^4; two deep wells near (+-1.05, -0.04), a shallow one near (0, 1.54)";
    t.dim = 2;
    t.dt = 1e-4;
    t.kT = 0.6;
    t.steps = 2000000;
    t.stride = 10;
    t.start = {-1.05, -0.04};
    t.states = {{"left", {-1.048, -0.042}, 0.4}, {"right", {1.048, -0.042}, 0.4}, {"top", {0, 1.54}, 0.4}};
    s.push_back(t);
  }
  {
    SystemSpec m;
    m.name = "mueller_brown";
    m.description =
        "Mueller-Brown (standard coefficients) times `scale`; minima A (-0.558, 1.442), B (0.623, 0.028), C (-0.050, "
        "0.467); barriers ~100 energy units";
    m.dim = 2;
    m.dt = 1e-4;
    m.kT = 15;
    m.steps = 2000000;
    m.stride = 10;
    m.start = {-0.558, 1.442};
    m.states = {{"A", {-0.558, 1.442}, 0.2}, {"B", {0.623, 0.028}, 0.2}, {"C", {-0.050, 0.467}, 0.12}};
    m.parameters = {{"scale", 1.0, "multiplies V (e.g. 0.15 with kT 1-2.5)"}};
    s.push_back(m);
  }
  {
    SystemSpec m;
    m.name = "mueller_brown_3state";
    m.description =
        "three-state Mueller-Brown variant: A = (-280, -170, -170, 15), a_1 = -15, x0_2 = 0.2; minima A (-0.558, "
        "1.442), B (0.962, 0.022), C (0.092, 0.500) of similar depth";
    m.dim = 2;
    m.dt = 1e-4;
    m.kT = 15;
    m.steps = 2000000;
    m.stride = 10;
    m.start = {-0.558, 1.442};
    m.states = {{"A", {-0.558, 1.442}, 0.2}, {"B", {0.962, 0.022}, 0.12}, {"C", {0.092, 0.500}, 0.15}};
    m.parameters = {{"scale", 1.0, "multiplies V"}};
    s.push_back(m);
  }
  {
    SystemSpec q;
    q.name = "quadruple_well";
    q.description = "V = h [(x^2 - 1)^2 + (y^2 - 1)^2], minima at (+-1, +-1)";
    q.dim = 2;
    q.dt = 1e-3;
    q.kT = 0.5;
    q.steps = 400000;
    q.start = {-1, -1};
    q.states = {{"--", {-1, -1}, 0.5}, {"+-", {1, -1}, 0.5}, {"-+", {-1, 1}, 0.5}, {"++", {1, 1}, 0.5}};
    q.parameters = {{"barrier", 1.0, "h, the barrier height along each axis"}};
    s.push_back(q);
  }
  {
    SystemSpec q;
    q.name = "asymmetric_quadruple_well";
    q.description = "V = x^4 - x^3/16 - 2x^2 + 3x/16 + y^4 - y^3/8 - 2y^2 + 3y/8, four minima of different depth";
    q.dim = 2;
    q.dt = 1e-3;
    q.kT = 0.5;
    q.steps = 400000;
    q.start = {-1, -1};
    q.states = {{"--", {-1, -1}, 0.5}, {"+-", {1, -1}, 0.5}, {"-+", {-1, 1}, 0.5}, {"++", {1, 1}, 0.5}};
    s.push_back(q);
  }
  {
    SystemSpec p;
    p.name = "prinz";
    p.description = "V = 4 (x^8 + 0.8 e^(-80 x^2) + 0.2 e^(-80 (x-0.5)^2) + 0.5 e^(-40 (x+0.5)^2)), four minima";
    p.dim = 1;
    p.dt = 1e-5;
    p.kT = 1;
    p.steps = 2000000;
    p.stride = 10;
    p.start = {-0.739};
    p.states = {{"1", {-0.739}, 0.1}, {"2", {-0.224}, 0.1}, {"3", {0.269}, 0.1}, {"4", {0.673}, 0.1}};
    s.push_back(p);
  }
  {
    SystemSpec a;
    a.name = "alanine_dipeptide";
    a.molecule = "alanine_dipeptide";
    a.description =
        "molecular dynamics through OpenMM: Ace-Ala-Nme, Amber ff14SB, vacuum or OBC2 implicit solvent (--solvent), "
        "Langevin at --temperature K, HBond constraints; truth (phi, psi) in radians, observations the 45 heavy-atom "
        "distances (nm) by default; dt in fs";
    a.dim = 2;
    a.dt = 2;
    a.temperature = 300;
    a.kT = 0;
    a.stride = 50;
    a.steps = 500000;
    s.push_back(a);
  }
  {
    SystemSpec m;
    m.name = "transformations";
    m.transformations = true;
    m.description =
        "a shape (an L of three blobs) in a movie frame moved at each step by one primitive, translate_x, "
        "translate_y, rotate or scale, at a random speed; truth its pose (x, y, radius, angle), --out-obs the "
        "movie, --out-moves each step's primitive and speed; --param translate|rotate|scale=STEP (0 leaves it out)";
    m.dim = 4;
    m.stride = 1;
    m.steps = 20000;
    m.kT = 0;
    m.dt = 0;
    m.parameters = {{"translate", 1.0, "typical step of translate_x and translate_y, pixels"},
                    {"rotate", 0.2, "typical step of rotate, radians"},
                    {"scale", 0.06, "typical step of scale, log radius"}};
    s.push_back(m);
  }
  {
    SystemSpec e;
    e.name = "expression";
    e.description =
        "V given by --expr in x, y, z (muParser syntax), e.g. '(x^2-1)^2 + y^2'; gradient by central differences";
    e.dim = 0;
    e.dt = 1e-3;
    e.kT = 1;
    e.steps = 100000;
    s.push_back(e);
  }
  return s;
}

}  // namespace

const std::vector<SystemSpec>& list_systems() {
  static const std::vector<SystemSpec> specs = build_specs();
  return specs;
}

const SystemSpec& find_system(const std::string& name) {
  const std::string n = normalise(name);
  std::string known;
  for (const auto& s : list_systems()) {
    if (s.name == n) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw ConfigError("system '" + name + "' is unknown; expected one of: " + known);
}

std::unique_ptr<Potential> make_system_potential(const std::string& name, int64_t dim,
                                                 const std::map<std::string, double>& parameters,
                                                 const std::string& expression) {
  const SystemSpec& spec = find_system(name);
  if (spec.transformations || !spec.molecule.empty()) {
    throw ConfigError("system " + spec.name + " has no potential: " +
                      (spec.transformations ? "it moves a shape by transformation primitives" : "it is a molecule"));
  }
  std::map<std::string, double> p;
  for (const auto& def : spec.parameters) p[def.name] = def.value;
  for (const auto& kv : parameters) {
    if (!p.count(kv.first)) {
      std::string known;
      for (const auto& def : spec.parameters) known += (known.empty() ? "" : ", ") + def.name;
      throw ConfigError("system " + spec.name + " has no parameter '" + kv.first + "'" +
                        (known.empty() ? std::string(" (it has none)") : "; expected one of: " + known));
    }
    if (!std::isfinite(kv.second)) throw ConfigError("parameter " + kv.first + " of " + spec.name + " is not finite");
    p[kv.first] = kv.second;
  }
  if (spec.dim != 0 && dim != 0 && dim != spec.dim) {
    throw ConfigError("system " + spec.name + " is " + std::to_string(spec.dim) + "-dimensional; --dim " +
                      std::to_string(dim) + " does not fit");
  }
  if (spec.name != "expression" && !expression.empty()) {
    throw ConfigError("an expression was given but system is " + spec.name + "; use --system expression");
  }
  auto positive = [&](const char* key) {
    if (!(p[key] > 0)) {
      std::ostringstream os;
      os << "parameter " << key << " = " << p[key] << " of " << spec.name << " is invalid: expected a positive number";
      throw ConfigError(os.str());
    }
    return p[key];
  };
  if (!spec.molecule.empty()) {
    throw ConfigError("system " + spec.name + " is a molecule simulated by OpenMM (simulate_molecule), not a potential");
  }
  const std::string& n = spec.name;
  if (n == "harmonic") return make_harmonic(dim == 0 ? 1 : dim, {positive("k")});
  if (n == "double_well_1d") return make_double_well_1d(positive("barrier"));
  if (n == "double_well_2d") return make_double_well_2d(positive("barrier"));
  if (n == "triple_well_2d") return make_triple_well_2d();
  if (n == "mueller_brown") return make_mueller_brown(mueller_brown_standard(), positive("scale"));
  if (n == "mueller_brown_3state") return make_mueller_brown(mueller_brown_three_state(), positive("scale"));
  if (n == "quadruple_well") return make_quadruple_well(positive("barrier"));
  if (n == "asymmetric_quadruple_well") return make_asymmetric_quadruple_well();
  if (n == "prinz") return make_prinz();
  if (expression.empty()) throw ConfigError("system expression needs a formula (--expr), e.g. '(x^2-1)^2 + y^2'");
  return make_expression_potential(expression, dim);
}

LangevinOptions system_langevin_options(const SystemSpec& spec, int64_t dim) {
  LangevinOptions o;
  o.dt = spec.dt;
  o.kT = spec.kT;
  o.stride = spec.stride;
  o.steps = spec.steps;
  o.start = spec.start;
  if (o.start.empty()) o.start.assign(static_cast<size_t>(dim), 0.0);
  if (dim == 2 && !spec.states.empty() && static_cast<int64_t>(spec.states[0].center.size()) == dim) {
    o.rotation_centre.assign(static_cast<size_t>(dim), 0.0);
    for (const auto& st : spec.states) {
      for (int64_t i = 0; i < dim; ++i) o.rotation_centre[i] += st.center[i] / static_cast<double>(spec.states.size());
    }
  }
  return o;
}

std::vector<double> state_occupancy(const Values& frames, int64_t dim,
                                    const std::vector<MetastableState>& states) {
  std::vector<double> frac(states.size(), 0.0);
  const int64_t n = dim > 0 ? static_cast<int64_t>(frames.size()) / dim : 0;
  for (int64_t t = 0; t < n; ++t) {
    for (size_t s = 0; s < states.size(); ++s) {
      const auto& c = states[s].center;  // empty = the origin
      if (!c.empty() && static_cast<int64_t>(c.size()) != dim) continue;
      double r2 = 0;
      for (int64_t i = 0; i < dim; ++i) {
        const double dx = frames[t * dim + i] - (c.empty() ? 0.0 : c[i]);
        r2 += dx * dx;
      }
      if (r2 <= states[s].radius * states[s].radius) frac[s] += 1;
    }
  }
  for (auto& f : frac) f = n > 0 ? f / n : 0;
  return frac;
}

}  // namespace dynae
