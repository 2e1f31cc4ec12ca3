#include "engine/expr.hpp"

#include <cctype>
#include <charconv>

namespace sanctwatch::engine {
namespace {

struct syntax_error {
  std::uint32_t offset;
  std::string message;
};

enum class tok { end, at_name, macro_name, string, regex, ident, number, lparen, rparen, comma, assign, cmp };

struct token {
  tok type = tok::end;
  std::uint32_t offset = 0;
  std::uint32_t end = 0;
  std::string value;  // name, string body, regex body, ident, number digits, comparison
  std::string flags;  // regex flags
};

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

const char* describe(const token& t) {
  switch (t.type) {
    case tok::end:
      return "end of expression";
    case tok::at_name:
      return "a list name";
    case tok::macro_name:
      return "a macro name";
    case tok::string:
      return "a string";
    case tok::regex:
      return "a regex";
    case tok::ident:
      return "a word";
    case tok::number:
      return "a number";
    case tok::lparen:
      return "'('";
    case tok::rparen:
      return "')'";
    case tok::comma:
      return "','";
    case tok::assign:
      return "'='";
    case tok::cmp:
      return "a comparison";
  }
  return "?";
}

class parser {
 public:
  parser(std::string_view s, const macro_lookup* macros) : s_(s), macros_(macros) { advance(); }

  std::unique_ptr<expr> parse() {
    auto e = parse_or();
    if (cur_.type != tok::end)
      fail(cur_.offset, std::string("unexpected ") + describe(cur_) +
                            (cur_.type == tok::ident ? " '" + cur_.value + "'" : std::string()) +
                            ", expected 'and', 'or' or the end of the expression");
    return e;
  }

 private:
  [[noreturn]] void fail(std::uint32_t at, std::string msg) {
    throw syntax_error{at, std::move(msg)};
  }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  // Lexes the next token into cur_.
  void advance() {
    skip_space();
    token t;
    t.offset = static_cast<std::uint32_t>(pos_);
    if (pos_ >= s_.size()) {
      t.type = tok::end;
    } else {
      const char c = s_[pos_];
      if (c == '@') {
        ++pos_;
        std::size_t b = pos_;
        if (pos_ < s_.size() && s_[pos_] == '*')
          ++pos_;  // `@*`: every entity list (entity(@*))
        else
          while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        if (b == pos_) fail(t.offset, "'@' must be followed by a list name");
        t.type = tok::at_name;
        t.value = std::string(s_.substr(b, pos_ - b));
      } else if (c == '$') {
        ++pos_;
        std::size_t b = pos_;
        while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        if (b == pos_) fail(t.offset, "'$' must be followed by a macro name");
        t.type = tok::macro_name;
        t.value = std::string(s_.substr(b, pos_ - b));
      } else if (c == '"' || c == '\'') {
        ++pos_;
        std::string v;
        bool closed = false;
        while (pos_ < s_.size()) {
          char d = s_[pos_++];
          if (d == '\\' && pos_ < s_.size()) {
            v += s_[pos_++];
          } else if (d == c) {
            closed = true;
            break;
          } else {
            v += d;
          }
        }
        if (!closed) fail(t.offset, "unterminated string");
        t.type = tok::string;
        t.value = std::move(v);
      } else if (c == '/') {
        ++pos_;
        std::string v;
        bool closed = false;
        while (pos_ < s_.size()) {
          char d = s_[pos_++];
          if (d == '\\' && pos_ < s_.size()) {
            // Keep the escape: it belongs to the regex, except for an escaped delimiter.
            if (s_[pos_] != '/') v += d;
            v += s_[pos_++];
          } else if (d == '/') {
            closed = true;
            break;
          } else {
            v += d;
          }
        }
        if (!closed) fail(t.offset, "unterminated regex (missing closing '/')");
        while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_])))
          t.flags += s_[pos_++];
        for (char f : t.flags)
          if (f != 'i' && f != 's' && f != 'm')
            fail(static_cast<std::uint32_t>(pos_ - t.flags.size()),
                 std::string("unknown regex flag '") + f + "' (known: i, s, m)");
        t.type = tok::regex;
        t.value = std::move(v);
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
        std::size_t b = pos_;
        ++pos_;
        while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        t.type = tok::number;
        t.value = std::string(s_.substr(b, pos_ - b));
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t b = pos_;
        while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        t.type = tok::ident;
        t.value = std::string(s_.substr(b, pos_ - b));
      } else if (c == '(') {
        ++pos_, t.type = tok::lparen;
      } else if (c == ')') {
        ++pos_, t.type = tok::rparen;
      } else if (c == ',') {
        ++pos_, t.type = tok::comma;
      } else if (c == '>' || c == '<' || c == '=' || c == '!') {
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '=') ++pos_;
        t.value = std::string(s_.substr(t.offset, pos_ - t.offset));
        t.type = t.value == "=" ? tok::assign : tok::cmp;
        if (t.value == "!" || t.value == "!=")
          fail(t.offset, "'" + t.value + "' is not an operator; use 'not'");
      } else {
        fail(t.offset, std::string("unexpected character '") + c + "'");
      }
    }
    t.end = static_cast<std::uint32_t>(pos_);
    cur_ = std::move(t);
  }

  bool is_word(const char* w) const { return cur_.type == tok::ident && cur_.value == w; }

  void expect(tok type, const char* what) {
    if (cur_.type != type)
      fail(cur_.offset, std::string("expected ") + what + ", got " + describe(cur_));
    advance();
  }

  std::unique_ptr<expr> node(expr::op k, std::uint32_t offset) {
    auto e = std::make_unique<expr>();
    e->kind = k;
    e->offset = offset;
    return e;
  }

  void finish(expr& e) {
    // The node's text runs to the end of the last consumed token.
    std::uint32_t end = last_end_;
    if (end > e.offset) e.text = std::string(s_.substr(e.offset, end - e.offset));
  }

  void take() {
    last_end_ = cur_.end;
    advance();
  }

  std::unique_ptr<expr> parse_or() {
    auto left = parse_and();
    if (!is_word("or")) return left;
    auto n = node(expr::op::or_, left->offset);
    n->args.push_back(std::move(left));
    while (is_word("or")) {
      take();
      n->args.push_back(parse_and());
    }
    finish(*n);
    return n;
  }

  std::unique_ptr<expr> parse_and() {
    auto left = parse_not();
    if (!is_word("and")) return left;
    auto n = node(expr::op::and_, left->offset);
    n->args.push_back(std::move(left));
    while (is_word("and")) {
      take();
      n->args.push_back(parse_not());
    }
    finish(*n);
    return n;
  }

  std::unique_ptr<expr> parse_not() {
    if (is_word("not")) {
      auto n = node(expr::op::not_, cur_.offset);
      take();
      n->args.push_back(parse_not());
      finish(*n);
      return n;
    }
    return parse_postfix();
  }

  // A field's bit, or `lead`: title, summary and the first sentences of content.
  field_mask parse_field_name() {
    field f;
    if (cur_.type == tok::ident && cur_.value == "lead") {
      take();
      return lead_fields;
    }
    if (cur_.type != tok::ident || !parse_field(cur_.value, f))
      fail(cur_.offset,
           "expected a field name (title, summary, content, author, category, "
           "link, article, lead), got " +
               std::string(describe(cur_)) +
               (cur_.type == tok::ident ? " '" + cur_.value + "'" : ""));
    take();
    return mask_of(f);
  }

  std::unique_ptr<expr> parse_postfix() {
    auto e = parse_primary();
    if (!is_word("in")) return e;
    auto n = node(expr::op::in, e->offset);
    take();
    if (cur_.type == tok::lparen) {
      take();
      n->fields |= parse_field_name();
      while (cur_.type == tok::comma) {
        take();
        n->fields |= parse_field_name();
      }
      if (cur_.type != tok::rparen) fail(cur_.offset, "expected ')' after the field names");
      take();
    } else {
      n->fields = parse_field_name();
    }
    n->args.push_back(std::move(e));
    finish(*n);
    return n;
  }

  int parse_int(const token& t, const char* what, int lo, int hi) {
    int v = 0;
    auto [p, ec] = std::from_chars(t.value.data(), t.value.data() + t.value.size(), v);
    if (t.type != tok::number || ec != std::errc() || p != t.value.data() + t.value.size() ||
        v < lo || v > hi)
      fail(t.offset, std::string(what) + " must be a whole number from " + std::to_string(lo) +
                         " to " + std::to_string(hi) + ", got " +
                         (t.value.empty() ? describe(t) : "'" + t.value + "'"));
    return v;
  }

  void require_hits(const expr& e, const char* fn) {
    if (!yields_hits(e))
      fail(e.offset, std::string(fn) +
                         "() arguments must be lists, phrases, regexes or "
                         "entity(), not '" +
                         e.text + "'");
  }

  std::unique_ptr<expr> parse_primary() {
    const token t = cur_;
    switch (t.type) {
      case tok::at_name: {
        auto n = node(expr::op::list, t.offset);
        n->name = t.value;
        take();
        finish(*n);
        return n;
      }
      case tok::macro_name: {
        if (!macros_) fail(t.offset, "macros ($" + t.value + ") cannot be used here");
        std::string why;
        const expr* m = (*macros_)(t.value, &why);
        if (!m) fail(t.offset, why);
        auto n = clone_expr(*m);
        n->offset = t.offset;
        n->resolved = true;
        take();
        n->text = "$" + t.value;
        return n;
      }
      case tok::string: {
        auto n = node(expr::op::phrase, t.offset);
        n->own.original = t.value;
        take();
        finish(*n);
        return n;
      }
      case tok::regex: {
        auto n = node(expr::op::regex, t.offset);
        n->own.original = t.value;
        n->regex_flags = t.flags;
        take();
        finish(*n);
        return n;
      }
      case tok::lparen: {
        take();
        auto e = parse_or();
        if (cur_.type != tok::rparen)
          fail(cur_.offset, "expected ')', got " + std::string(describe(cur_)));
        take();
        return e;
      }
      case tok::ident:
        if (t.value == "near") return parse_near();
        if (t.value == "count") return parse_count();
        if (t.value == "entity") return parse_entity();
        if (t.value == "and" || t.value == "or" || t.value == "in")
          fail(t.offset, "'" + t.value + "' needs an operand before it");
        fail(t.offset, "unknown word '" + t.value +
                           "' (lists are written '@name', phrases in quotes, regexes /like this/)");
      default:
        fail(t.offset, std::string("expected a list, phrase, regex, near(), count(), entity() "
                                   "or '(', got ") +
                           describe(t));
    }
  }

  std::unique_ptr<expr> parse_near() {
    auto n = node(expr::op::near, cur_.offset);
    take();
    expect(tok::lparen, "'(' after near");
    bool named_seen = false;
    while (true) {
      if (cur_.type == tok::ident && peek_is_assign()) {
        named_seen = true;
        const token name = cur_;
        take();
        take();  // '='
        if (name.value == "within") {
          n->within = parse_int(cur_, "within=", 0, 1000);
          take();
        } else if (name.value == "scope") {
          if (cur_.type != tok::ident || (cur_.value != "sentence" && cur_.value != "text"))
            fail(cur_.offset, "scope= must be 'sentence' or 'text'");
          n->sentence_scope = cur_.value == "sentence";
          take();
        } else if (name.value == "ordered") {
          if (cur_.type != tok::ident || (cur_.value != "true" && cur_.value != "false"))
            fail(cur_.offset, "ordered= must be true or false");
          n->ordered = cur_.value == "true";
          take();
        } else if (name.value == "unless") {
          auto v = parse_or();
          require_hits(*v, "near");
          n->vetoes.push_back(std::move(v));
          n->veto_within.push_back(-1);
        } else if (name.value == "unless_within") {
          if (n->vetoes.empty() || n->veto_within.back() != -1)
            fail(name.offset, "unless_within= must follow the unless= it narrows");
          n->veto_within.back() = parse_int(cur_, "unless_within=", 0, 1000);
          take();
        } else {
          fail(name.offset, "unknown near() option '" + name.value +
                                "' (known: within=, scope=, ordered=, unless=, unless_within=)");
        }
      } else {
        if (named_seen)
          fail(cur_.offset, "near() terms must come before within=, scope=, ordered=");
        auto a = parse_or();
        require_hits(*a, "near");
        n->args.push_back(std::move(a));
      }
      if (cur_.type == tok::comma) {
        take();
        continue;
      }
      if (cur_.type == tok::rparen) break;
      fail(cur_.offset, "expected ',' or ')' in near(), got " + std::string(describe(cur_)));
    }
    if (n->args.size() < 2) fail(n->offset, "near() needs at least two terms");
    take();
    finish(*n);
    return n;
  }

  bool peek_is_assign() const {
    std::size_t p = cur_.end;
    while (p < s_.size() && std::isspace(static_cast<unsigned char>(s_[p]))) ++p;
    return p < s_.size() && s_[p] == '=' && (p + 1 >= s_.size() || s_[p + 1] != '=');
  }

  std::unique_ptr<expr> parse_count() {
    auto n = node(expr::op::count, cur_.offset);
    take();
    expect(tok::lparen, "'(' after count");
    auto a = parse_or();
    require_hits(*a, "count");
    n->args.push_back(std::move(a));
    if (cur_.type != tok::rparen) fail(cur_.offset, "expected ')' after the count() argument");
    take();
    if (cur_.type != tok::cmp)
      fail(cur_.offset, "count() must be compared: count(A) >= N (or >, ==, <=, <)");
    const std::string c = cur_.value;
    if (c == ">=")
      n->compare = expr::cmp::ge;
    else if (c == ">")
      n->compare = expr::cmp::gt;
    else if (c == "==")
      n->compare = expr::cmp::eq;
    else if (c == "<=")
      n->compare = expr::cmp::le;
    else if (c == "<")
      n->compare = expr::cmp::lt;
    else
      fail(cur_.offset, "unknown comparison '" + c + "'");
    take();
    n->count = parse_int(cur_, "count", 0, 100000);
    take();
    finish(*n);
    return n;
  }

  std::unique_ptr<expr> parse_entity() {
    auto n = node(expr::op::entity, cur_.offset);
    take();
    expect(tok::lparen, "'(' after entity");
    if (cur_.type != tok::at_name)
      fail(cur_.offset, "entity() takes an entity list: entity(@name)");
    n->name = cur_.value;
    n->own.where.column = static_cast<int>(cur_.offset);  // where the name sits, for errors
    take();
    if (cur_.type != tok::rparen) fail(cur_.offset, "expected ')' after the entity list name");
    take();
    finish(*n);
    return n;
  }

  std::string_view s_;
  const macro_lookup* macros_ = nullptr;
  std::size_t pos_ = 0;
  token cur_;
  std::uint32_t last_end_ = 0;
};

}  // namespace

bool parse_field(std::string_view name, field& out) {
  static constexpr std::string_view names[] = {"title",  "summary",  "content",
                                               "author", "category", "link",
                                               "article"};
  for (int i = 0; i < field_count; ++i)
    if (names[i] == name) {
      out = static_cast<field>(i);
      return true;
    }
  return false;
}

std::unique_ptr<expr> clone_expr(const expr& e) {
  auto c = std::make_unique<expr>();
  c->kind = e.kind;
  c->text = e.text;
  c->offset = e.offset;
  for (const auto& a : e.args) c->args.push_back(clone_expr(*a));
  c->name = e.name;
  c->list = e.list;
  c->regex_flags = e.regex_flags;
  c->own = e.own;
  c->within = e.within;
  c->sentence_scope = e.sentence_scope;
  c->ordered = e.ordered;
  for (const auto& v : e.vetoes) c->vetoes.push_back(clone_expr(*v));
  c->veto_within = e.veto_within;
  c->compare = e.compare;
  c->count = e.count;
  c->fields = e.fields;
  c->resolved = e.resolved;
  return c;
}

bool yields_hits(const expr& e) {
  switch (e.kind) {
    case expr::op::list:
    case expr::op::phrase:
    case expr::op::regex:
    case expr::op::entity:
      return true;
    case expr::op::or_:
    case expr::op::in:
      for (const auto& a : e.args)
        if (!yields_hits(*a)) return false;
      return true;
    default:
      return false;
  }
}

parsed_expr parse_expr(std::string_view text, const macro_lookup* macros) {
  parsed_expr out;
  try {
    parser p(text, macros);
    out.root = p.parse();
  } catch (const syntax_error& e) {
    out.root.reset();
    out.error = {e.offset, e.message};
  }
  return out;
}

}  // namespace sanctwatch::engine
