#pragma once
/// The daemon's state in one SQLite file (WAL): feed state, items seen, stories, alerts and
/// the delivery outbox. Recording an item and its alerts (with one outbox row per routed
/// sink) is one transaction, so a crash loses nothing and duplicates nothing but deliveries
/// that were in flight, which are re-sent with the same alert id. Callers that read before
/// they write (story lookup, then the record) wrap both in one store::batch.
///
/// A sink that collects digests (config `digest`) gets no outbox row per alert: the alert (or
/// revision) is queued for it instead, and sealing a digest turns the sink's queued entries
/// into one document of its own (a row of `alerts` of kind digest) with one outbox row, in one
/// transaction, so every queued entry is in exactly one digest and a digest is delivered like
/// an alert (retries, dead letters, replay, re-sent after a crash).
///
/// Not thread-safe: one store per thread (the daemon's io_context thread). A second
/// process (`sanctwatch alerts`) may open the same file; writers wait up to 5 s for locks.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "store/sqlite.hpp"

namespace sanctwatch::store {

struct feed_state {
  std::string id;
  std::string url;
  std::string permanent_url;  ///< where a 301/308 chain moved the feed; empty if never moved
  std::string etag;           ///< exactly as received
  std::string last_modified;  ///< exactly as received
  std::optional<timestamp> last_poll;
  std::optional<timestamp> last_success;
  std::optional<timestamp> next_poll;
  int error_streak = 0;
  std::string last_error;
  int last_status = 0;
  std::int64_t items_total = 0;
  bool disabled = false;  ///< 410 Gone
  /// The daemon polling it now (read only: claim_feeds() sets it, save_feed() ends it);
  /// empty when none. A lease past `lease_until` is free to take.
  std::string lease_owner{};
  std::optional<timestamp> lease_until{};
};

/// A feed a daemon claimed: its state, and the daemon whose expired lease it took, if any
/// (that daemon died or lost the database mid-poll).
struct feed_claim {
  feed_state st;
  std::string taken_from;
};

/// A daemon sharing the state (table nodes), with the leases it holds.
struct node_record {
  std::string name;
  std::string host;
  std::int64_t pid = 0;
  std::string version;
  timestamp started_at;
  timestamp heartbeat;
  std::int64_t feeds = 0;       ///< feed leases it holds (unexpired)
  std::int64_t deliveries = 0;  ///< delivery leases it holds (unexpired)
};

/// A silence (table silences, docs/triage.md): while active (starts_at <= now < ends_at),
/// alerts its matchers all hold for reach only machine sinks, marked `silenced`. The store
/// keeps the matchers as written (a JSON array of strings); sinks/silence.hpp reads them.
struct silence_record {
  std::string id;
  std::string matchers;  ///< JSON array of matcher strings: ["rule=sanctions.*", "feed!=wire"]
  timestamp starts_at;
  timestamp ends_at;
  std::string comment;
  std::string created_by;
  timestamp created_at;
};

/// Where a person's work on an alert stands (table alert_triage, docs/triage.md).
struct alert_triage {
  std::string alert_id;
  std::optional<timestamp> acknowledged_at;  ///< empty: not acknowledged
  std::string acknowledged_by, ack_note;
  std::string label;  ///< "", "true-positive" or "false-positive"
  std::string label_reason, labelled_by;
  std::optional<timestamp> labelled_at;
};

/// One thing a person did to an alert, as the history shows it.
struct triage_action {
  std::string alert_id;
  timestamp at;
  std::string user;
  std::string action;  ///< "acknowledge", "unacknowledge", "label", "unlabel"
  std::string value;   ///< the label, for "label"
  std::string note;    ///< the note or the reason
};

/// A labelled alert with what the export needs: its document (latest revision) and its item.
struct labelled_alert {
  alert_triage triage;
  std::string document;
  std::string feed_id, item_key;
};

/// What the alert queue shows (the web page, `/api/alerts`, the Atom feed): filters, all
/// optional, all of which must hold. Values compare in the matching form (case, accents).
struct queue_filter {
  std::optional<int> min_severity;  ///< severity as a number: info 0 ... critical 4
  std::string tag, rule, list, feed;  ///< one of the alert's (any source's feed for `feed`)
  std::string text;  ///< words in the headline or an entity's name or matched text
  /// "new" (not acknowledged, not labelled, not silenced), "acknowledged", "true-positive",
  /// "false-positive", "silenced"; empty: all.
  std::string state;
  std::optional<timestamp> since, until;  ///< created in [since, until)
};

/// One story alert in the queue, at its latest revision.
struct queue_row {
  std::string id;
  timestamp created_at, updated_at;
  int severity = 0;
  std::string headline, link, feed_id;
  std::vector<std::string> tags, rules, feeds;
  std::string entities;  ///< JSON array of {id, name, list}
  std::int64_t sources = 1;
  bool silenced = false, lookback = false;
  bool acknowledged = false;
  std::string label;  ///< "", "true-positive", "false-positive"
  std::string document;  ///< the latest revision's document, when asked for
  /// Where it stands: its label if it has one, else "acknowledged", else "silenced", else
  /// "new" (the values of queue_filter::state).
  std::string state() const {
    if (!label.empty()) return label;
    if (acknowledged) return "acknowledged";
    return silenced ? "silenced" : "new";
  }
};

struct queue_page {
  std::vector<queue_row> rows;  ///< newest first
  std::int64_t total = 0;       ///< alerts the filter passes, all pages
  std::string next;             ///< cursor of the next page; empty on the last
};

struct item_record {
  std::string feed_id;
  std::string item_key;      ///< identity hash of the item (feed item id)
  std::string content_hash;  ///< changes when the item's text changes
  timestamp seen_at;
  /// The story the item belongs to; empty: not grouped now (an earlier story is kept).
  std::string story_id{};
  /// The item's normalized text to keep (state.text_retention), or null to keep none. Written
  /// in the same transaction that marks the item seen, compressed; replaces an older version.
  const item* text = nullptr;
  std::string feed_title{};  ///< kept with the text: the alert documents name the feed
  std::string feed_url{};
};

/// A kept item text (table item_texts): what rules look at, for backtests and look-back
/// screening. `it` has id, title, link, published, updated, summary, content, authors and
/// categories; the HTML forms and enclosures are not kept.
struct kept_item {
  std::string feed_id;
  std::string item_key;
  std::string feed_title;
  std::string feed_url;
  item it;
  /// The article's full text (a full-text fetch); empty until something fills it.
  std::string article;
  timestamp seen_at;       ///< when this version of the text was recorded
  std::string story_id;    ///< the item's story, when it fired a rule; else empty
};

/// One (list, entity, item) a look-back alert was raised for: never raised again.
struct lookback_mark {
  std::string list;
  std::string entity_id;
  std::string feed_id;
  std::string item_key;
};

struct alert_record {
  std::string id;  ///< stable across retries and restarts
  std::string rule_id;  ///< the headline rule
  std::string severity;
  std::string story_id;
  std::string document;  ///< the alert JSON, byte for byte what sinks deliver
  timestamp created_at;
  std::vector<std::string> sinks;  ///< sinks this alert is routed to: one outbox row each
  std::vector<std::string> rules{};  ///< every rule it reports; empty: the headline rule only
  /// Sinks that collect it into their next digest instead: one digest_queue entry each.
  std::vector<std::string> digests{};
};

/// A later copy of a story reaching an alert that already exists: the copy becomes one of
/// the alert's sources and, when `document` is not empty, revision `revision` of the alert
/// (the full document, "type": "alert.updated") goes to `sinks`.
struct alert_update {
  std::string alert_id;
  int revision = 0;      ///< 1 for the first update, then 2, ...
  std::string document;  ///< empty: only record the item as a source, announce nothing
  timestamp created_at;
  std::vector<std::string> sinks;
  std::vector<std::string> rules{};  ///< rules the copy added to the alert
  std::vector<std::string> digests{};  ///< sinks that collect the revision into their next digest
};

/// Copies of one article across feeds and within the grouping window. The first item
/// names the story; alert ids derive from that item, so they do not depend on which copy
/// fired a rule first.
struct story_record {
  std::string id;
  std::string feed_id;    ///< the first item's feed
  std::string item_id;    ///< the first item's id (as in the feed, not its key)
  std::string signature;  ///< the first item's fingerprint bytes; empty when too short
  std::vector<std::int64_t> band_keys;  ///< LSH keys of the signature (not read back)
  timestamp first_seen;
  timestamp last_seen;
};

/// The alert (schema 2) a story already has, at its latest revision.
struct story_alert {
  std::string alert_id;
  int revision = 0;      ///< 0: never updated
  std::string document;  ///< the latest revision's document
};

/// The page behind an item's link, fetched once per canonical URL (feeds' `full_text`).
struct article_record {
  std::string url;  ///< the canonical link (story::canonical_link), the cache key
  /// "ok", or why there is no text: "HTTP 404", "timeout", "not HTML (application/pdf)",
  /// "too large", "no article found", ...
  std::string status;
  timestamp fetched_at;
  std::string text_hash;  ///< 16 hex digits of the extracted text; empty without text
  std::string title, byline;
  std::optional<timestamp> published;
  std::string final_url;  ///< where the last redirect led; empty when none was followed
  /// The extracted text, kept while a later copy of the story may still arrive (the store
  /// drops it after full_text_max_age, the row itself with the items).
  std::string text;
};

enum class delivery_state { pending, delivered, dead };
const char* to_string(delivery_state s);

struct delivery {
  std::string alert_id;
  std::string sink;
  int revision = 0;  ///< 0 the alert, n > 0 its n-th update
  std::string document;
  int attempts = 0;
  delivery_state state = delivery_state::pending;
  std::optional<timestamp> next_attempt;
  std::string last_error;
  int last_status = 0;
};

/// An alert's (or revision's) place in a sink's digests.
struct digest_membership {
  std::string sink;
  int revision = 0;
  std::string digest_id;  ///< the digest it was sealed into; empty: queued for the next one
};

struct stored_alert {
  std::string id;
  std::string rule_id;
  std::string severity;
  std::string feed_id;
  timestamp created_at;
  std::string document;              ///< at the latest revision
  std::vector<delivery> deliveries;  ///< without documents, by sink and revision
  std::vector<digest_membership> digests;  ///< by sink and revision
  bool digest = false;  ///< a digest (`document` is a sanctwatch.digest document), not an alert
};

/// An alert's document at one revision (0: as first raised).
struct alert_revision {
  int revision = 0;
  timestamp created_at;
  std::string document;
};

/// An entry queued for a sink's digest, with the document of its revision.
struct queued_entry {
  std::string alert_id;
  int revision = 0;
  timestamp added_at;
  std::string document;
};

/// A sink with queued entries that no digest has taken yet.
struct open_digest {
  std::string sink;
  timestamp oldest;  ///< when its oldest entry was queued
  std::int64_t entries = 0;
};

/// A sealed digest: stored as a row of `alerts` (kind digest) with one outbox row to `sink`.
struct digest_record {
  std::string id;  ///< also its outbox row's alert id
  std::string sink;
  std::string rule_id;   ///< the headline rule of its most severe alert
  std::string severity;  ///< the highest of its alerts'
  std::string document;
  timestamp created_at;
};

/// A list event (or the summary of one list refresh for people), stored as a row of `alerts`
/// of kind 'list-event' with one outbox row per sink in `sinks`.
struct list_event_record {
  std::string id;
  std::string type;      ///< list.added | list.removed | list.changed | list.refresh
  std::string severity;
  std::string list;      ///< the entity list's name
  std::string entity_id;  ///< empty for a refresh summary
  std::string document;
  timestamp created_at;
  std::vector<std::string> sinks;
};

class store {
 public:
  /// Opens or creates the database and migrates it to the current schema: a SQLite file at
  /// `location`, or, for a `postgresql://` (or `postgres://`) URI, a PostgreSQL database
  /// (`password` instead of one in the URI or PGPASSFILE). Throws sqlite_error or
  /// pg::pg_error when it cannot be opened or is newer than this build.
  explicit store(const std::string& location, const std::string& password = "");
  ~store();

  /// Whether `location` names a PostgreSQL database rather than a SQLite file.
  static bool is_postgresql(std::string_view location);
  /// "sqlite" or "postgresql".
  std::string_view backend() const { return pg_ ? "postgresql" : "sqlite"; }

  static constexpr int schema_version = 9;
  int version();
  /// One small write transaction (the schema version rewritten): throws a db_error when the
  /// disk still refuses writes or PostgreSQL stays out of reach (a lost connection is made
  /// anew first).
  void write_probe();

  /// One transaction around several store calls (BEGIN IMMEDIATE); rolled back unless
  /// committed. A batch opened inside another (the store's own methods run in one) joins it:
  /// its commit is the outer one's to make, and if it ends without committing (an exception
  /// passing through) the outer commit throws and rolls everything back.
  class batch {
   public:
    explicit batch(store& s);
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;
    ~batch();
    void commit();

   private:
    store& s_;
    int level_;
    bool done_ = false;
  };

  // Silences (store/triage.cpp).
  /// Records a new silence (its id must be new).
  void add_silence(const silence_record& s);
  /// Silences active at `at` (started, not ended), or every silence when `at` is empty;
  /// newest first.
  std::vector<silence_record> silences(std::optional<timestamp> at);
  std::optional<silence_record> silence(const std::string& id);
  /// Ends a silence at `now` (if it would end later); false when no silence has that id.
  bool expire_silence(const std::string& id, timestamp now);

  // Acknowledgement and labels (store/triage.cpp). Each change is recorded in the alert's
  // history; false when no alert has the id.
  bool acknowledge(const std::string& alert_id, const std::string& user, const std::string& note,
                   timestamp now);
  bool unacknowledge(const std::string& alert_id, const std::string& user, timestamp now);
  /// `label`: "true-positive" or "false-positive" (anything else throws), or "" to take a
  /// label back.
  bool set_label(const std::string& alert_id, const std::string& label, const std::string& reason,
                 const std::string& user, timestamp now);
  std::optional<alert_triage> triage(const std::string& alert_id);
  /// The alert's history, oldest first.
  std::vector<triage_action> actions(const std::string& alert_id);
  /// Alerts labelled since `since` (all when empty), oldest label first.
  std::vector<labelled_alert> labelled(std::optional<timestamp> since);
  /// The kept text of one item, when the state keeps it.
  std::optional<kept_item> kept(const std::string& feed_id, const std::string& item_key);

  // The alert queue (store/queue.cpp): an index row per story alert, kept in step with its
  // latest revision, so a filtered page of 100,000 alerts reads no documents.
  /// One page of the queue, newest first; `after` is a page's `next` cursor (empty: the
  /// first page). Throws std::invalid_argument on a malformed cursor.
  queue_page queue(const queue_filter& f, int limit, const std::string& after = "",
                   bool documents = false);
  /// Indexes the alerts recorded without an index row (before schema 9, or by an older
  /// daemon on a shared state); how many. Reads every alert: the daemon runs it at start and
  /// daily, not every open.
  std::int64_t index_missing();

  // Daemons and leases (store/leases.cpp). Work is shared through leases: a daemon claims a
  // due feed or delivery for `lease` seconds in its node name, renews the claims while it
  // works, and ends each with the outcome it records; a claim not renewed lapses and another
  // daemon takes the work. On SQLite (one daemon per file) the same code runs unopposed.
  /// This process's node name: claims are made in it. Set before any claim.
  void set_node(std::string name) { node_ = std::move(name); }
  const std::string& node() const { return node_; }
  /// Records this daemon in `nodes` and frees the leases its name still holds from a previous
  /// process (a restart under a configured `node:` name); on SQLite every lease, since the
  /// file has one daemon.
  void register_node(const std::string& host, std::int64_t pid, const std::string& version,
                     timestamp now);
  /// Removes this daemon from `nodes` and frees its leases (a clean stop).
  void unregister_node();
  /// Moves every lease this daemon holds to `until` and its heartbeat to `now`.
  void renew_leases(timestamp now, timestamp until);
  /// The daemons that registered (newest heartbeat first), with their unexpired leases at `now`.
  std::vector<node_record> nodes(timestamp now);
  /// Serialises a part of the work across daemons until the enclosing batch ends (PostgreSQL
  /// transaction advisory lock; nothing on SQLite, whose write transactions are serial).
  /// `stories`: story assignment and alert creation, so two copies of one story seen by two
  /// daemons at once make one alert; `digests`: sealing a sink's digest.
  enum class work { stories, digests };
  void serialize(work w);

  // Feeds.
  std::optional<feed_state> load_feed(const std::string& id);
  /// Saves a poll's outcome and ends this daemon's lease on the feed.
  void save_feed(const feed_state& f);
  std::vector<feed_state> feeds();
  /// Makes sure every configured feed (id, url) has a row, so it can be claimed; a feed whose
  /// URL changed starts over (validators, redirect, 410 and error streak forgotten, due now).
  void sync_feeds(const std::vector<std::pair<std::string, std::string>>& feeds);
  /// Claims up to `limit` feeds among `ids` (a JSON array of feed ids) that are due at `now`
  /// (any, with `all`), enabled and not held by another daemon's unexpired lease, soonest due
  /// first, leasing them to this daemon until `until`. Other daemons claiming at the same
  /// moment skip these rows (FOR UPDATE SKIP LOCKED) and take others.
  std::vector<feed_claim> claim_feeds(const std::string& ids, timestamp now, timestamp until,
                                      int limit, bool all);
  /// When the next of `ids` can be claimed: its next poll, or when another daemon's lease on
  /// it lapses; empty when none is enabled.
  std::optional<timestamp> next_feed_due(const std::string& ids, timestamp now);

  // Items.
  /// The content hash stored for an item, or empty when the item was never seen.
  std::optional<std::string> content_hash(const std::string& feed_id, const std::string& item_key);
  /// Ids of the rules that already alerted on this item, or on its story with this item as
  /// a source (so an updated item alerts only for rules that did not fire before).
  std::set<std::string> fired_rules(const std::string& feed_id, const std::string& item_key);
  /// Marks the item seen and records its alerts and its updates of existing alerts with
  /// their outbox rows, atomically. An alert id or update revision already recorded is
  /// skipped (idempotent re-processing).
  void record(const item_record& item, const std::vector<alert_record>& alerts,
              const std::vector<alert_update>& updates = {});
  /// Records revision `u.revision` of an alert with its outbox rows (nothing when its document
  /// is empty or the revision exists).
  void add_revision(const alert_update& u);
  /// How many items an alert stands for: the one it was created on and its later sources.
  std::int64_t source_count(const std::string& alert_id);
  /// The story an item was put in, or empty when never seen or seen ungrouped.
  std::optional<std::string> item_story(const std::string& feed_id, const std::string& item_key);

  // Kept item texts (state.text_retention).
  /// Calls `f` for every kept text recorded at or after `since` and before `until` (all when
  /// empty), oldest first, one at a time (10,000 texts are not held in memory at once).
  void kept_items(timestamp since, std::optional<timestamp> until,
                  const std::function<void(kept_item&&)>& f);
  /// How many texts are kept, and their compressed bytes (metrics, docs).
  std::int64_t kept_count();
  std::int64_t kept_bytes();
  /// Sets the full text of an item already kept (the article column; nothing when the item's
  /// text is not kept).
  void set_article(const std::string& feed_id, const std::string& item_key,
                   const std::string& article);

  // Look-back alerts (a list refresh named an entity that kept items mention).
  /// Whether a look-back alert was raised for this entity on this item.
  bool lookback_raised(const std::string& list, const std::string& entity_id,
                       const std::string& feed_id, const std::string& item_key);
  /// Records a look-back alert (on the story of its first mark's item, with its outbox rows)
  /// and every (list, entity, item) it stands for, atomically; an alert id already recorded
  /// only adds the marks.
  void record_lookback(const alert_record& alert, const std::vector<lookback_mark>& marks);

  // Stories.
  std::optional<story_record> story(const std::string& id);
  /// The story a canonical link belongs to, if it was seen at or after `since`.
  std::optional<story_record> story_by_link(const std::string& link, timestamp since);
  /// Stories seen at or after `since` that share at least one LSH band key, with their
  /// signatures (the caller judges the similarity).
  std::vector<story_record> story_candidates(const std::vector<std::int64_t>& band_keys,
                                             timestamp since);
  /// Records a new story with its band keys and its first item's canonical link (none when
  /// empty; a link that belonged to an expired story moves to this one).
  void add_story(const story_record& s, const std::string& link);
  /// A later copy joins a story: last_seen moves to `now`, its canonical link is added.
  void join_story(const std::string& story_id, const std::string& link, timestamp now);
  /// The alert `story_id` has (one alert per story since schema 2 of the document), at its
  /// latest revision. Alerts recorded before (one per rule, document schema 1) are not it.
  std::optional<story_alert> alert_for_story(const std::string& story_id);
  /// Refreshes last_seen of items still present in a feed (one transaction), so retention
  /// never forgets an item that is still published and would then alert again.
  void touch(const std::string& feed_id, const std::vector<std::string>& item_keys, timestamp now);

  // Outbox.
  /// Pending deliveries due at `now`, oldest first (whoever holds them).
  std::vector<delivery> due(timestamp now, int limit);
  /// Claims up to `limit` pending deliveries due at `now` that no other daemon holds, leased
  /// to this daemon until `until`, oldest first. The outcome (mark_*) ends the lease.
  std::vector<delivery> claim_due(timestamp now, timestamp until, int limit);
  /// How many deliveries are pending (metrics).
  std::int64_t pending_count();
  /// Outbox rows given up on (dead letters).
  std::int64_t dead_count();
  /// When the next pending delivery can be claimed: its next attempt, or when the lease
  /// another daemon (or this one) holds on it lapses.
  std::optional<timestamp> next_due(timestamp now);
  /// The `limit` earliest pending deliveries: alert id, sink, revision and next attempt.
  struct pending_slot {
    std::string alert_id, sink;
    int revision = 0;
    timestamp next_attempt;
  };
  std::vector<pending_slot> next_pending(int limit);
  /// Outcomes of one delivery (alert id, sink and revision: 0 the alert, n its n-th update).
  void mark_delivered(const std::string& alert_id, const std::string& sink, timestamp now,
                      int status, int revision = 0);
  /// Settles a delivery without sending it: a silence made after the alert was queued holds
  /// it from a sink people read. Kept as delivered (nothing is owed) with `why` ("silenced
  /// by ID") as its last answer.
  void mark_silenced(const std::string& alert_id, const std::string& sink, timestamp now,
                     const std::string& why, int revision = 0);
  void mark_retry(const std::string& alert_id, const std::string& sink, timestamp next_attempt,
                  int status, const std::string& error, int revision = 0);
  void mark_dead(const std::string& alert_id, const std::string& sink, timestamp now, int status,
                 const std::string& error, int revision = 0);
  /// Re-queues deliveries to `sink` (all sinks when empty): dead ones, or every one created at
  /// or after `since`. Returns how many rows were re-queued.
  int requeue(const std::string& sink, std::optional<timestamp> since, bool dead_only, timestamp now);

  // Digests.
  /// Sinks with entries queued and not yet sealed into a digest, by sink name.
  std::vector<open_digest> open_digests();
  /// The entries queued for `sink` at or before `until` that no digest has taken, oldest first.
  std::vector<queued_entry> queued(const std::string& sink, timestamp until);
  /// Seals the digest `d`: records it, makes it the digest of every entry queued for `d.sink`
  /// at or before `until` that none has taken, and adds its outbox row (due at once), as one
  /// transaction. Returns how many entries it took; with none it records nothing.
  int seal_digest(const digest_record& d, timestamp until);
  /// Moves the entries queued for `sink` (none sealed) to the outbox, one delivery each, for a
  /// sink that no longer collects digests. Returns how many.
  int release_queued(const std::string& sink, timestamp now);
  /// How many entries wait for a digest (metrics).
  std::int64_t queued_count();

  // Articles (full text).
  /// The cached fetch of a canonical URL, with its text unless dropped.
  std::optional<article_record> article(const std::string& url);
  /// Records a fetch (replacing an older one of the same URL).
  void save_article(const article_record& a);
  /// Drops the text of articles fetched before `before` (their rows stay: no second fetch).
  void drop_article_text(timestamp before);
  // List events.
  /// Records list events with their outbox rows, in one transaction; an id already recorded
  /// is skipped (a refresh reported twice sends nothing twice).
  void record_list_events(const std::vector<list_event_record>& events);

  // Queries.
  /// Recorded alerts and digests, newest first, with their deliveries and digest entries; a
  /// `rule_id` lists only the alerts that report it (digests report none).
  std::vector<stored_alert> alerts(std::optional<timestamp> since, const std::string& rule_id,
                                   int limit);
  /// One alert (or digest) by id, as alerts() gives it.
  std::optional<stored_alert> alert(const std::string& id);
  /// An alert's documents as first raised (revision 0) and at each update, oldest first.
  std::vector<alert_revision> revisions(const std::string& alert_id);

  /// Removes items and stories not seen since `seen_before` and delivered outbox rows (and
  /// alerts with no remaining rows, digests with them) older than `delivered_before`. Dead
  /// letters stay until replayed; alerts queued for a digest stay until it is sealed. Kept
  /// texts go when recorded before `texts_before` (state.text_retention; `seen_before` when
  /// empty) or with their item; look-back marks with their item. Articles fetched before
  /// `seen_before` go with the items.
  void purge(timestamp seen_before, timestamp delivered_before,
             std::optional<timestamp> texts_before = std::nullopt);

 private:
  void migrate();
  std::vector<stored_alert> load_alerts(std::optional<timestamp> since, const std::string& rule_id,
                                        const std::string& id, int limit);
  /// The one number a query without parameters returns.
  std::int64_t count(const char* sql);
  /// Inserts one alert with its rules, outbox rows and digest entries; false when the id
  /// was already recorded (its rows exist too).
  bool insert_alert(const std::string& feed_id, const std::string& item_key,
                    const alert_record& a);
  /// (Re)writes the queue's index row of an alert from its document (latest revision).
  void index_alert(const std::string& id, const std::string& document, timestamp created_at);
  /// One triage change of an existing alert: `set_sql` (the UPDATE's SET clause, its
  /// parameters bound by `bind_set`, the alert id last) and its history line.
  bool change_triage(const std::string& alert_id, const char* set_sql,
                     const std::function<void(statement&)>& bind_set,
                     const triage_action& action);
  /// `ids` (a JSON array of feed ids) as the backend's query takes them: unchanged for
  /// SQLite, a text[] literal for PostgreSQL (converted once per distinct list).
  const std::string& feed_ids(const std::string& ids);
  std::unique_ptr<database> db_;
  bool pg_ = false;
  std::string ids_json_, ids_array_;  ///< feed_ids()' last conversion
  int depth_ = 0;        ///< open batches
  bool doomed_ = false;  ///< a nested batch ended without its commit
  std::string node_;
};

}  // namespace sanctwatch::store
