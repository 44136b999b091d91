#pragma once
// One declaration per option. An option is declared once (INI key and its
// aliases, CLI flag, type, default, allowed values or range, help, whether a
// checkpoint stores it), bound to the struct member that holds it; the INI
// reader and writer, the command-line flags and their help, the checkpoint's
// options and validation are all driven from those declarations
// (models/model_options.def, config/run_settings.cpp).
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace dynae {

/// Paths and Names are lists that are one run's value (not a sweep); Names
/// are not file names (no resolution against the config file's folder).
enum class OptionType { Int, UInt, Float, Bool, Text, Paths, Names };

/// One accepted value of a text option: stored as `value`, written to INI as
/// `written`, read from any of `spellings` (case-insensitive) or either of those.
struct OptionChoice {
  std::string value, written;
  std::vector<std::string> spellings;
};

/// What an option is, independent of where it is stored.
struct OptionInfo {
  std::string key;                   ///< INI key, as the reference spells it ("d")
  std::string name;                  ///< member and checkpoint name ("latent_dim")
  std::vector<std::string> aliases;  ///< other INI keys accepted ("nu")
  std::string flag;                  ///< command-line flag without "--" ("d"); empty: none
  std::string section;               ///< INI section ("Model Parameters")
  OptionType type = OptionType::Text;
  std::function<std::vector<OptionChoice>()> choices;  ///< Text: the accepted values
  std::string help;
  bool list_in_ini = false;    ///< written "[v]": the reference reads it as a JSON list
  bool in_checkpoint = false;  ///< stored in model checkpoints
  bool omit_at_default = false;  ///< left out of written INI files while it holds its default
  /// Where a run reads its data or writes its files (input paths, feature
  /// columns, outputs): an option of the command line and INI files only; a
  /// program that hands the library arrays (the Python package) has no use
  /// for it.
  bool files_only = false;
  // Allowed range of numbers (Int, UInt, Float).
  double min = -std::numeric_limits<double>::infinity(), max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;
  std::string expected;  ///< what a valid value is, for messages ("an integer >= 1")

  /// Whether `key` (any case) is this option's key or one of its aliases.
  bool answers_to(const std::string& key) const;
  /// Checks `text` as a value of this option and returns it in canonical
  /// form (a choice's stored value); throws ConfigError naming `origin`, the
  /// key and the value ("origin: beta = 'ten' is not a finite number").
  std::string parse(const std::string& text, const std::string& origin) const;
  /// Throws ConfigError when the number `value` is outside the range:
  /// "option KEY (name) = V is invalid: expected ...".
  void check_range(double value, const std::string& shown) const;
  /// The Python package's keyword: the flag with '_' for '-', else the name.
  std::string python_keyword() const;
  /// What a valid number is: `expected`, else from the range ("an integer >= 1").
  std::string expected_range() const;
  /// Throws ConfigError when a Text option with choices holds another value.
  void check_choice(const std::string& value) const;
  /// The value as the INI file writes it (a choice's `written` spelling).
  std::string ini_text(const std::string& canonical) const;
  /// "a, b or c" of the choices' written spellings and stored values.
  std::string choice_list() const;
};

/// An option bound to the member of `Owner` that holds it.
template <class Owner>
struct BoundOption {
  OptionInfo info;
  std::function<std::string(const Owner&)> get;         ///< canonical text of the value
  std::function<void(Owner&, const std::string&)> set;  ///< from canonical text (parse first)
  std::function<void(const Owner&)> validate;           ///< range check of the held value
  /// Paths, Names: the list as given, item by item (no text round trip, so a path
  /// may hold commas or quotes); empty for other types.
  std::function<void(Owner&, const std::vector<std::string>&)> set_items;
};

/// Text of numbers and booleans as options write them: the shortest text that
/// reads back to the same double; "True"/"False".
std::string option_number_text(double v);
std::string option_bool_text(bool v);
/// Readers of option texts (false when malformed).
bool parse_option_int(const std::string& text, int64_t* out);
bool parse_option_float(const std::string& text, double* out);
bool parse_option_bool(const std::string& text, bool* out);

/// Splits "[a, b]" or "a, b" or "a" into trimmed items (quotes removed);
/// throws ConfigError for unbalanced brackets and empty items.
std::vector<std::string> split_list(const std::string& text);

/// Builder of an OptionInfo: option("d", OptionType::Int).alias("latent_dim")...
class OptionDecl {
 public:
  OptionDecl(std::string key, OptionType type) {
    info_.key = std::move(key);
    info_.type = type;
  }
  OptionDecl& section(std::string s) {
    info_.section = std::move(s);
    return *this;
  }
  OptionDecl& alias(std::string a) {
    info_.aliases.push_back(std::move(a));
    return *this;
  }
  OptionDecl& flag(std::string f) {
    info_.flag = std::move(f);
    return *this;
  }
  OptionDecl& help(std::string h) {
    info_.help = std::move(h);
    return *this;
  }
  OptionDecl& list_in_ini() {
    info_.list_in_ini = true;
    return *this;
  }
  OptionDecl& checkpointed() {
    info_.in_checkpoint = true;
    return *this;
  }
  /// Written to INI files only when it differs from its default (options
  /// added later, so that earlier runs' config.ini files still match).
  OptionDecl& omit_at_default() {
    info_.omit_at_default = true;
    return *this;
  }
  OptionDecl& files_only() {
    info_.files_only = true;
    return *this;
  }
  OptionDecl& choices(std::function<std::vector<OptionChoice>()> c) {
    info_.choices = std::move(c);
    return *this;
  }
  /// value >= lo (or > lo with `open`).
  OptionDecl& at_least(double lo, bool open = false);
  /// value <= hi (or < hi with `open`).
  OptionDecl& at_most(double hi, bool open = false);
  OptionDecl& expected(std::string e) {
    info_.expected = std::move(e);
    return *this;
  }
  const OptionInfo& info() const { return info_; }

 private:
  OptionInfo info_;
};

namespace option_detail {
std::string text_of(int64_t v);
std::string text_of(uint64_t v);
std::string text_of(double v);
std::string text_of(bool v);
std::string text_of(const std::string& v);
std::string text_of(const std::vector<std::string>& v);
void read_into(int64_t& m, const std::string& t);
void read_into(uint64_t& m, const std::string& t);
void read_into(double& m, const std::string& t);
void read_into(bool& m, const std::string& t);
void read_into(std::string& m, const std::string& t);
void read_into(std::vector<std::string>& m, const std::string& t);
inline double number_of(int64_t v) { return static_cast<double>(v); }
inline double number_of(uint64_t v) { return static_cast<double>(v); }
inline double number_of(double v) { return v; }
inline double number_of(bool) { return 0; }
inline double number_of(const std::string&) { return 0; }
inline double number_of(const std::vector<std::string>&) { return 0; }
}  // namespace option_detail

/// Binds a declaration to `Owner::*member`, named `name` in checkpoints.
template <class Owner, class T>
BoundOption<Owner> bind_option(const OptionDecl& decl, T Owner::*member, const char* name) {
  BoundOption<Owner> b;
  b.info = decl.info();
  b.info.name = name;
  b.get = [member](const Owner& o) { return option_detail::text_of(o.*member); };
  b.set = [member](Owner& o, const std::string& t) { option_detail::read_into(o.*member, t); };
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    b.set_items = [member](Owner& o, const std::vector<std::string>& items) { o.*member = items; };
  }
  const OptionInfo info = b.info;
  b.validate = [member, info](const Owner& o) {
    if (info.type == OptionType::Int || info.type == OptionType::UInt || info.type == OptionType::Float) {
      info.check_range(option_detail::number_of(o.*member), option_detail::text_of(o.*member));
    } else if (info.type == OptionType::Text) {
      info.check_choice(option_detail::text_of(o.*member));
    }
  };
  return b;
}

/// A bound option of `Inner` lifted to an `Outer` that holds an Inner at `part`.
template <class Outer, class Inner>
BoundOption<Outer> lift_option(const BoundOption<Inner>& in, Inner Outer::*part) {
  BoundOption<Outer> b;
  b.info = in.info;
  b.get = [g = in.get, part](const Outer& o) { return g(o.*part); };
  b.set = [s = in.set, part](Outer& o, const std::string& t) { s(o.*part, t); };
  b.validate = [v = in.validate, part](const Outer& o) { v(o.*part); };
  if (in.set_items) {
    b.set_items = [s = in.set_items, part](Outer& o, const std::vector<std::string>& items) { s(o.*part, items); };
  }
  return b;
}

}  // namespace dynae
