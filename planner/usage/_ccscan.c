/* The Claude Code transcript scanner's fast path (optional; planner/usage/claude_code.py is the
 * reference and the fallback when this module is not built).
 *
 * scan() does in one pass what claude_code.parse's loop does: find the lines that carry a
 * "usage" key, number them, read the few fields a request needs, and collapse the streaming
 * snapshots of each request (message.id + requestId) to the best copy; then it builds a row (a
 * record tuple in the layout of planner/usage/rows.py, exposed here as RECORD_COLUMNS) for each
 * winner.
 *
 * It never decides anything it is unsure of. A line it cannot read completely (not plain JSON it
 * fully validates, an escape or non-ASCII byte in a field it reads, a float or negative count,
 * a surrogate escape, anything unusual) goes to the Python callback `slow`, which decodes it with
 * msgspec exactly as the reference does; a winner whose row needs checking (an unusual timestamp,
 * an absurd count, a missing field) goes to `finish`. So the rows, problems and skip counts are
 * the reference's, which tests/test_ccscan.py checks line for line, including on mutated input.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BAIL (-1)
#define MAX_DEPTH 64
#define MAX_TOKENS 1000000000LL
#define SIDECHAIN (1LL << 62)

typedef struct {
    const char *s;
    Py_ssize_t n; /* -1: absent or null (the reference treats both as None) */
} Span;

typedef struct {
    Span type, timestamp, session, request_id, msg_id, model, tier, speed, geo;
    int sidechain, api_error; /* -1 absent or null, else 0/1 */
    int message, usage, cc, stu; /* 1 when present as an object */
    int64_t inp, out, ccin, cread, e5, e1, web; /* -1: absent or null */
} Fields;

typedef struct {
    const char *p, *e;
} Cur;

/* --- the record layout -------------------------------------------------------------------------
 * A row is a record tuple (planner/usage/rows.py RECORD_COLUMNS: a UsageRecord's fields in order),
 * filled by position name. The module exposes the names as RECORD_COLUMNS, and
 * tests/test_ccscan.py fails if they differ from the Python layout. */
enum {
    R_TS_MS,
    R_MODEL_RAW,
    R_MODEL,
    R_INPUT_TOKENS,
    R_CACHE_WRITE_5M,
    R_CACHE_WRITE_1H,
    R_CACHE_READ,
    R_OUTPUT_TOKENS,
    R_WEB_SEARCH_REQUESTS,
    R_REQUESTS,
    R_SERVICE_TIER,
    R_GEO,
    R_SPEED,
    R_PROJECT,
    R_SESSION,
    R_WORKSPACE,
    R_API_KEY_ID,
    R_SOURCE,
    R_LINE,
    R_DEDUP_KEY,
    R_SIDECHAIN,
    R_KIND,
    R_BUCKET_SECONDS,
    R_FMT,
    R_CONTEXT_WINDOW,
    N_RECORD
};
static const char *const RECORD_NAMES[N_RECORD] = {
    [R_TS_MS] = "ts_ms",
    [R_MODEL_RAW] = "model_raw",
    [R_MODEL] = "model",
    [R_INPUT_TOKENS] = "input_tokens",
    [R_CACHE_WRITE_5M] = "cache_write_5m",
    [R_CACHE_WRITE_1H] = "cache_write_1h",
    [R_CACHE_READ] = "cache_read",
    [R_OUTPUT_TOKENS] = "output_tokens",
    [R_WEB_SEARCH_REQUESTS] = "web_search_requests",
    [R_REQUESTS] = "requests",
    [R_SERVICE_TIER] = "service_tier",
    [R_GEO] = "geo",
    [R_SPEED] = "speed",
    [R_PROJECT] = "project",
    [R_SESSION] = "session",
    [R_WORKSPACE] = "workspace",
    [R_API_KEY_ID] = "api_key_id",
    [R_SOURCE] = "source",
    [R_LINE] = "line",
    [R_DEDUP_KEY] = "dedup_key",
    [R_SIDECHAIN] = "sidechain",
    [R_KIND] = "kind",
    [R_BUCKET_SECONDS] = "bucket_seconds",
    [R_FMT] = "fmt",
    [R_CONTEXT_WINDOW] = "context_window",
};

static PyObject *S_REQUEST, *S_STANDARD, *S_FORMAT;

/* --- JSON, validated as strictly as msgspec does (anything doubtful bails) ------------------ */

static inline void ws(Cur *c) {
    while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}

/* the first byte in [p, e) that ends a run of plain string bytes: '"', '\\' or a control char */
static inline const char *plain_end(const char *p, const char *e) {
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f),
                  z = _mm_setzero_si128();
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                   _mm_cmpeq_epi8(_mm_subs_epu8(v, c1f), z));
        int m = _mm_movemask_epi8(hit);
        if (m) return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < e && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\') p++;
    return p;
}

static inline int hexval(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* at '"': moves past the closing quote; *esc set if the string holds an escape */
static int skip_str(Cur *c, int *esc) {
    const char *p = c->p + 1, *e = c->e;
    for (;;) {
        p = plain_end(p, e);
        if (p >= e) return BAIL;
        if (*p == '"') {
            c->p = p + 1;
            return 0;
        }
        if (*p != '\\' || e - p < 2) return BAIL; /* a control character, or a cut escape */
        *esc = 1;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            break;
        case 'u': {
            if (e - p < 6) return BAIL;
            unsigned v = 0;
            for (int i = 2; i < 6; i++) {
                int h = hexval(p[i]);
                if (h < 0) return BAIL;
                v = v * 16 + (unsigned)h;
            }
            if (v >= 0xD800 && v <= 0xDFFF) return BAIL; /* surrogates: msgspec pairs them up */
            p += 6;
            break;
        }
        default:
            return BAIL;
        }
    }
}

static inline int is_digit(const Cur *c) { return c->p < c->e && *c->p >= '0' && *c->p <= '9'; }

static int skip_number(Cur *c) {
    if (c->p < c->e && *c->p == '-') c->p++;
    if (!is_digit(c)) return BAIL;
    if (*c->p == '0') c->p++;
    else while (is_digit(c)) c->p++;
    if (c->p < c->e && *c->p == '.') {
        c->p++;
        if (!is_digit(c)) return BAIL;
        while (is_digit(c)) c->p++;
    }
    if (c->p < c->e && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->e && (*c->p == '+' || *c->p == '-')) c->p++;
        if (!is_digit(c)) return BAIL;
        while (is_digit(c)) c->p++;
    }
    return 0;
}

static inline int literal(Cur *c, const char *word, Py_ssize_t n) {
    if (c->e - c->p < n || memcmp(c->p, word, (size_t)n) != 0) return BAIL;
    c->p += n;
    return 0;
}

static int skip_value(Cur *c, int depth);

/* at '{' or '[' */
static int skip_container(Cur *c, int depth) {
    char close = *c->p == '{' ? '}' : ']';
    int obj = close == '}', esc = 0;
    if (depth > MAX_DEPTH) return BAIL;
    c->p++;
    ws(c);
    if (c->p < c->e && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        if (obj) {
            if (c->p >= c->e || *c->p != '"' || skip_str(c, &esc)) return BAIL;
            ws(c);
            if (c->p >= c->e || *c->p != ':') return BAIL;
            c->p++;
            ws(c);
        }
        if (skip_value(c, depth + 1)) return BAIL;
        ws(c);
        if (c->p >= c->e) return BAIL;
        if (*c->p == ',') {
            c->p++;
            ws(c);
            continue;
        }
        if (*c->p != close) return BAIL;
        c->p++;
        return 0;
    }
}

static int skip_value(Cur *c, int depth) {
    int esc = 0;
    if (c->p >= c->e) return BAIL;
    switch (*c->p) {
    case '"': return skip_str(c, &esc);
    case '{': case '[': return skip_container(c, depth);
    case 't': return literal(c, "true", 4);
    case 'f': return literal(c, "false", 5);
    case 'n': return literal(c, "null", 4);
    default: return skip_number(c);
    }
}

/* A field the scanner reads: a string made of plain ASCII (no escapes), or null. */
static int read_str(Cur *c, Span *out) {
    if (out->n != -2) return BAIL; /* a repeated key: leave "which one wins" to msgspec */
    if (c->p < c->e && *c->p == 'n') {
        out->n = -1;
        return literal(c, "null", 4);
    }
    if (c->p >= c->e || *c->p != '"') return BAIL;
    const char *s = c->p + 1;
    int esc = 0;
    if (skip_str(c, &esc) || esc) return BAIL;
    for (const char *q = s; q < c->p - 1; q++)
        if ((unsigned char)*q >= 0x80) return BAIL;
    out->s = s;
    out->n = c->p - 1 - s;
    return 0;
}

/* a count: a non-negative integer of at most 18 digits, or null (-1); else bail. A 19th digit
 * bails before it is accumulated, so no input can overflow v (10^18 - 1 < INT64_MAX); the
 * reference judges the longer ones (absurd counts are reported there). */
#define MAX_DIGITS 18
static int read_int(Cur *c, int64_t *out) {
    if (*out != -2) return BAIL;
    if (c->p < c->e && *c->p == 'n') {
        *out = -1;
        return literal(c, "null", 4);
    }
    if (!is_digit(c)) return BAIL; /* negative, or not a number: the reference reports it */
    const char *s = c->p;
    int64_t v = 0;
    if (*c->p == '0') c->p++;
    else
        while (is_digit(c)) {
            if (c->p - s >= MAX_DIGITS) return BAIL;
            v = v * 10 + (*c->p++ - '0');
        }
    if (c->p < c->e && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) return BAIL; /* a float */
    *out = v;
    return 0;
}

static int read_bool(Cur *c, int *out) {
    if (*out != -2) return BAIL;
    if (c->p < c->e && *c->p == 'n') { *out = -1; return literal(c, "null", 4); }
    if (c->p < c->e && *c->p == 't') { *out = 1; return literal(c, "true", 4); }
    if (c->p < c->e && *c->p == 'f') { *out = 0; return literal(c, "false", 5); }
    return BAIL;
}

#define KEY(lit) (klen == (Py_ssize_t)sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

typedef int (*FieldFn)(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth);

/* at '{' or "null": an object whose keys go to `fn` (which skips the ones it does not read);
 * *present is set to 1 for an object, -1 for null */
static int read_object(Cur *c, FieldFn fn, Fields *f, int *present, int depth) {
    if (*present != -2) return BAIL;
    if (c->p < c->e && *c->p == 'n') { *present = -1; return literal(c, "null", 4); }
    if (c->p >= c->e || *c->p != '{') return BAIL;
    *present = 1;
    c->p++;
    ws(c);
    if (c->p < c->e && *c->p == '}') { c->p++; return 0; }
    for (;;) {
        int esc = 0;
        if (c->p >= c->e || *c->p != '"') return BAIL;
        const char *k = c->p + 1;
        if (skip_str(c, &esc) || esc) return BAIL; /* an escaped key might spell a field's name */
        Py_ssize_t klen = c->p - 1 - k;
        ws(c);
        if (c->p >= c->e || *c->p != ':') return BAIL;
        c->p++;
        ws(c);
        if (fn(c, k, klen, f, depth)) return BAIL;
        ws(c);
        if (c->p >= c->e) return BAIL;
        if (*c->p == ',') { c->p++; ws(c); continue; }
        if (*c->p != '}') return BAIL;
        c->p++;
        return 0;
    }
}

static int f_cache_creation(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth) {
    if (KEY("ephemeral_5m_input_tokens")) return read_int(c, &f->e5);
    if (KEY("ephemeral_1h_input_tokens")) return read_int(c, &f->e1);
    return skip_value(c, depth + 1);
}

static int f_server_tool_use(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth) {
    if (KEY("web_search_requests")) return read_int(c, &f->web);
    return skip_value(c, depth + 1);
}

static int f_usage(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth) {
    if (KEY("input_tokens")) return read_int(c, &f->inp);
    if (KEY("output_tokens")) return read_int(c, &f->out);
    if (KEY("cache_creation_input_tokens")) return read_int(c, &f->ccin);
    if (KEY("cache_read_input_tokens")) return read_int(c, &f->cread);
    if (KEY("cache_creation")) return read_object(c, f_cache_creation, f, &f->cc, depth + 1);
    if (KEY("server_tool_use")) return read_object(c, f_server_tool_use, f, &f->stu, depth + 1);
    if (KEY("service_tier")) return read_str(c, &f->tier);
    if (KEY("speed")) return read_str(c, &f->speed);
    if (KEY("inference_geo")) return read_str(c, &f->geo);
    /* OpenAI-style usage: the reference's general path */
    if (KEY("prompt_tokens") || KEY("completion_tokens") || KEY("prompt_tokens_details")) return BAIL;
    return skip_value(c, depth + 1);
}

static int f_message(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth) {
    if (KEY("id")) return read_str(c, &f->msg_id);
    if (KEY("model")) return read_str(c, &f->model);
    if (KEY("usage")) return read_object(c, f_usage, f, &f->usage, depth + 1);
    return skip_value(c, depth + 1);
}

static int f_line(Cur *c, const char *k, Py_ssize_t klen, Fields *f, int depth) {
    if (KEY("type")) return read_str(c, &f->type);
    if (KEY("timestamp")) return read_str(c, &f->timestamp);
    if (KEY("sessionId")) return read_str(c, &f->session);
    if (KEY("requestId")) return read_str(c, &f->request_id);
    if (KEY("isSidechain")) return read_bool(c, &f->sidechain);
    if (KEY("isApiErrorMessage")) return read_bool(c, &f->api_error);
    if (KEY("message")) return read_object(c, f_message, f, &f->message, depth + 1);
    return skip_value(c, depth + 1);
}

/* One line, whole: 0 when every field was read (absent ones as -1), BAIL otherwise. */
static int read_line(const char *s, const char *e, Fields *f) {
    Span none = {NULL, -2};
    f->type = f->timestamp = f->session = f->request_id = f->msg_id = f->model = f->tier = f->speed =
        f->geo = none;
    f->sidechain = f->api_error = f->message = f->usage = f->cc = f->stu = -2;
    f->inp = f->out = f->ccin = f->cread = f->e5 = f->e1 = f->web = -2;
    Cur c = {s, e};
    ws(&c);
    int top = -2;
    if (read_object(&c, f_line, f, &top, 0) || top != 1) return BAIL;
    ws(&c);
    if (c.p != c.e) return BAIL; /* trailing characters */
    /* -2 (never seen) reads as absent from here on */
    Span *spans[] = {&f->type, &f->timestamp, &f->session, &f->request_id, &f->msg_id, &f->model,
                     &f->tier, &f->speed, &f->geo};
    for (size_t i = 0; i < sizeof spans / sizeof *spans; i++)
        if (spans[i]->n == -2) spans[i]->n = -1;
    int *flags[] = {&f->sidechain, &f->api_error, &f->message, &f->usage, &f->cc, &f->stu};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (*flags[i] == -2) *flags[i] = -1;
    int64_t *ints[] = {&f->inp, &f->out, &f->ccin, &f->cread, &f->e5, &f->e1, &f->web};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        if (*ints[i] == -2) *ints[i] = -1;
    return 0;
}

static inline int span_is(Span s, const char *lit) {
    size_t n = strlen(lit);
    return s.n == (Py_ssize_t)n && memcmp(s.s, lit, n) == 0;
}

static inline int64_t or0(int64_t v) { return v < 0 ? 0 : v; }

/* --- timestamps: "YYYY-MM-DDTHH:MM:SS.fffZ" only (the reference parses every other form) ---- */

static int num(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return BAIL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int ts_ms(Span t, int64_t *out) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *s = t.s;
    int y, mo, d, h, mi, sec, ms;
    if (t.n != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[23] != 'Z')
        return BAIL;
    if (num(s, 4, &y) || num(s + 5, 2, &mo) || num(s + 8, 2, &d) || num(s + 11, 2, &h) ||
        num(s + 14, 2, &mi) || num(s + 17, 2, &sec) || num(s + 20, 3, &ms))
        return BAIL;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
        mi > 59 || sec > 60)
        return BAIL;
    *out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
    return 0;
}

/* --- strings made once per distinct value ---------------------------------------------------- */

#define CACHE_SLOTS 16
typedef struct {
    int n;
    const char *s[CACHE_SLOTS];
    Py_ssize_t len[CACHE_SLOTS];
    PyObject *obj[CACHE_SLOTS], *extra[CACHE_SLOTS];
} StrCache;

static PyObject *ascii(const char *s, Py_ssize_t n) {
    PyObject *o = PyUnicode_New(n, 127);
    if (o != NULL) memcpy(PyUnicode_DATA(o), s, (size_t)n);
    return o;
}

/* a new reference to the str for `s` (which points into the scanned buffer, alive for the call) */
static PyObject *cached(StrCache *c, Span s, PyObject **extra, PyObject *lookup) {
    for (int i = 0; i < c->n; i++) {
        if (c->len[i] == s.n && memcmp(c->s[i], s.s, (size_t)s.n) == 0) {
            if (extra) { *extra = c->extra[i]; Py_INCREF(*extra); }
            Py_INCREF(c->obj[i]);
            return c->obj[i];
        }
    }
    PyObject *o = ascii(s.s, s.n), *x = NULL;
    if (o == NULL) return NULL;
    if (extra) {
        x = PyObject_CallOneArg(lookup, o);
        if (x == NULL) { Py_DECREF(o); return NULL; }
        *extra = x;
    }
    if (c->n < CACHE_SLOTS) {
        int i = c->n++;
        c->s[i] = s.s;
        c->len[i] = s.n;
        c->obj[i] = o;
        Py_INCREF(o);
        c->extra[i] = x;
        Py_XINCREF(x);
    }
    return o;
}

static void cache_clear(StrCache *c) {
    for (int i = 0; i < c->n; i++) {
        Py_DECREF(c->obj[i]);
        Py_XDECREF(c->extra[i]);
    }
    c->n = 0;
}

/* --- requests by dedup key: an open-addressing table over an arena of key bytes ------------- */

typedef struct {
    size_t key_at;
    Py_ssize_t key_len;
    int64_t rank, line;
    Py_ssize_t start, end;
    int slow; /* read by the reference (`slow`): its row comes from `finish` */
    Fields f; /* the best copy's fields (their spans point into the scanned buffer) */
} Entry;

typedef struct {
    Entry *ent;
    size_t n, cap;
    char *arena;
    size_t used, arena_cap;
    uint32_t *slots; /* entry index + 1; 0 is empty */
    uint64_t *hashes;
    size_t mask;
} Table;

static uint64_t fnv(const char *s, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static int table_grow(Table *t) {
    size_t cap = t->mask ? (t->mask + 1) * 2 : 1024;
    uint32_t *slots = PyMem_Calloc(cap, sizeof *slots);
    uint64_t *hashes = PyMem_Calloc(cap, sizeof *hashes);
    if (slots == NULL || hashes == NULL) {
        PyMem_Free(slots);
        PyMem_Free(hashes);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; t->mask && i <= t->mask; i++) {
        if (!t->slots[i]) continue;
        size_t j = (size_t)t->hashes[i] & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
        hashes[j] = t->hashes[i];
    }
    PyMem_Free(t->slots);
    PyMem_Free(t->hashes);
    t->slots = slots;
    t->hashes = hashes;
    t->mask = cap - 1;
    return 0;
}

/* the entry for key (created, with *is_new set, when missing); NULL on memory error */
static Entry *table_get(Table *t, const char *key, Py_ssize_t n, int *is_new) {
    if ((t->n + 1) * 2 > t->mask + 1 && table_grow(t)) return NULL;
    uint64_t h = fnv(key, n);
    size_t j = (size_t)h & t->mask;
    while (t->slots[j]) {
        Entry *e = &t->ent[t->slots[j] - 1];
        if (t->hashes[j] == h && e->key_len == n && memcmp(t->arena + e->key_at, key, (size_t)n) == 0) {
            *is_new = 0;
            return e;
        }
        j = (j + 1) & t->mask;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        Entry *ent = PyMem_Realloc(t->ent, cap * sizeof *ent);
        if (ent == NULL) { PyErr_NoMemory(); return NULL; }
        t->ent = ent;
        t->cap = cap;
    }
    if (t->used + (size_t)n > t->arena_cap) {
        size_t cap = (t->arena_cap ? t->arena_cap * 2 : 1 << 16) + (size_t)n;
        char *arena = PyMem_Realloc(t->arena, cap);
        if (arena == NULL) { PyErr_NoMemory(); return NULL; }
        t->arena = arena;
        t->arena_cap = cap;
    }
    memcpy(t->arena + t->used, key, (size_t)n);
    Entry *e = &t->ent[t->n++];
    e->key_at = t->used;
    e->key_len = n;
    t->used += (size_t)n;
    t->slots[j] = (uint32_t)t->n;
    t->hashes[j] = h;
    *is_new = 1;
    return e;
}

static void table_free(Table *t) {
    PyMem_Free(t->ent);
    PyMem_Free(t->arena);
    PyMem_Free(t->slots);
    PyMem_Free(t->hashes);
}

/* --- finding the lines ---------------------------------------------------------------------- */

static const char *find_usage(const char *p, const char *e) {
#if defined(__SSE2__)
    /* candidates: 'u' one byte and 'g' four bytes after a position; then compare all seven */
    const __m128i u = _mm_set1_epi8('u'), g = _mm_set1_epi8('g');
    while (e - p >= 7 + 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + 1)), b = _mm_loadu_si128((const __m128i *)(p + 4));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, u), _mm_cmpeq_epi8(b, g)));
        while (m) {
            int i = __builtin_ctz(m);
            if (memcmp(p + i, "\"usage\"", 7) == 0) return p + i;
            m &= m - 1;
        }
        p += 16;
    }
#endif
    for (; e - p >= 7; p++)
        if (*p == '"' && memcmp(p, "\"usage\"", 7) == 0) return p;
    return NULL;
}

/* --- scan() ------------------------------------------------------------------------------------ */

typedef struct {
    PyObject *slow, *finish, *lookup, *src, *project, *fallback_session;
    StrCache models, tiers, speeds, geos, sessions;
} Ctx;

/* The row for a fast entry, or NULL with *defer set when the reference must build it. */
static PyObject *fast_row(Ctx *x, const Fields *f, PyObject *key, int64_t line, int *defer) {
    int64_t t, w5, w1;
    *defer = 1;
    if (f->timestamp.n <= 0 || f->model.n <= 0 || f->inp < 0 || ts_ms(f->timestamp, &t)) return NULL;
    if (f->cc == 1 && (f->e5 >= 0 || f->e1 >= 0)) {
        w5 = or0(f->e5);
        w1 = or0(f->e1);
    } else {
        w5 = or0(f->ccin);
        w1 = 0;
    }
    int64_t inp = f->inp, rd = or0(f->cread), out = or0(f->out), web = f->stu == 1 ? or0(f->web) : 0;
    if (inp > MAX_TOKENS || w5 > MAX_TOKENS || w1 > MAX_TOKENS || rd > MAX_TOKENS || out > MAX_TOKENS ||
        web > MAX_TOKENS)
        return NULL;
    *defer = 0;
    PyObject *row = PyTuple_New(N_RECORD);
    if (row == NULL) return NULL;
    PyObject *resolved = NULL;
    PyObject *model = cached(&x->models, f->model, &resolved, x->lookup);
    if (model == NULL) goto fail;
    PyTuple_SET_ITEM(row, R_TS_MS, PyLong_FromLongLong(t));
    PyTuple_SET_ITEM(row, R_MODEL_RAW, model);
    PyTuple_SET_ITEM(row, R_MODEL, resolved);
    PyTuple_SET_ITEM(row, R_INPUT_TOKENS, PyLong_FromLongLong(inp));
    PyTuple_SET_ITEM(row, R_CACHE_WRITE_5M, PyLong_FromLongLong(w5));
    PyTuple_SET_ITEM(row, R_CACHE_WRITE_1H, PyLong_FromLongLong(w1));
    PyTuple_SET_ITEM(row, R_CACHE_READ, PyLong_FromLongLong(rd));
    PyTuple_SET_ITEM(row, R_OUTPUT_TOKENS, PyLong_FromLongLong(out));
    PyTuple_SET_ITEM(row, R_WEB_SEARCH_REQUESTS, PyLong_FromLongLong(web));
    PyTuple_SET_ITEM(row, R_REQUESTS, PyLong_FromLong(1));
    if (f->tier.n > 0) PyTuple_SET_ITEM(row, R_SERVICE_TIER, cached(&x->tiers, f->tier, NULL, NULL));
    else { Py_INCREF(S_STANDARD); PyTuple_SET_ITEM(row, R_SERVICE_TIER, S_STANDARD); }
    if (f->geo.n >= 0) PyTuple_SET_ITEM(row, R_GEO, cached(&x->geos, f->geo, NULL, NULL));
    else { Py_INCREF(Py_None); PyTuple_SET_ITEM(row, R_GEO, Py_None); }
    if (f->speed.n > 0) PyTuple_SET_ITEM(row, R_SPEED, cached(&x->speeds, f->speed, NULL, NULL));
    else { Py_INCREF(S_STANDARD); PyTuple_SET_ITEM(row, R_SPEED, S_STANDARD); }
    Py_INCREF(x->project);
    PyTuple_SET_ITEM(row, R_PROJECT, x->project);
    if (f->session.n > 0) PyTuple_SET_ITEM(row, R_SESSION, cached(&x->sessions, f->session, NULL, NULL));
    else { Py_INCREF(x->fallback_session); PyTuple_SET_ITEM(row, R_SESSION, x->fallback_session); }
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(row, R_WORKSPACE, Py_None);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(row, R_API_KEY_ID, Py_None);
    Py_INCREF(x->src);
    PyTuple_SET_ITEM(row, R_SOURCE, x->src);
    PyTuple_SET_ITEM(row, R_LINE, PyLong_FromLongLong(line));
    Py_INCREF(key);
    PyTuple_SET_ITEM(row, R_DEDUP_KEY, key);
    PyObject *side = f->sidechain == 1 ? Py_True : Py_False;
    Py_INCREF(side);
    PyTuple_SET_ITEM(row, R_SIDECHAIN, side);
    Py_INCREF(S_REQUEST);
    PyTuple_SET_ITEM(row, R_KIND, S_REQUEST);
    PyTuple_SET_ITEM(row, R_BUCKET_SECONDS, PyLong_FromLong(0));
    Py_INCREF(S_FORMAT);
    PyTuple_SET_ITEM(row, R_FMT, S_FORMAT);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(row, R_CONTEXT_WINDOW, Py_None);
    for (int i = 0; i < N_RECORD; i++)
        if (PyTuple_GET_ITEM(row, i) == NULL) goto fail;
    return row;
fail:
    Py_DECREF(row);
    return NULL;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t first_line;
    Ctx x;
    memset(&x, 0, sizeof x);
    if (!PyArg_ParseTuple(args, "y*nOOOUOU:scan", &buf, &first_line, &x.slow, &x.finish, &x.lookup, &x.src,
                          &x.project, &x.fallback_session))
        return NULL;
    const char *data = buf.buf, *end = data + buf.len;
    Table t;
    memset(&t, 0, sizeof t);
    PyObject *rows = NULL, *result = NULL;
    Py_ssize_t line = first_line, synthetic = 0, api_error = 0, dropped = 0;
    const char *counted = data, *pos = find_usage(data, end);
    Fields f;
    char small[512];

    /* pass 1: every line with a "usage" key, collapsed to the best copy of each request */
    while (pos != NULL) {
        const char *start = counted, *nl;
        while ((nl = memchr(start, '\n', (size_t)(pos - start))) != NULL) {
            line++;
            start = nl + 1;
        }
        counted = start;
        const char *stop = memchr(pos, '\n', (size_t)(end - pos));
        if (stop == NULL) stop = end;
        pos = find_usage(stop, end);

        int64_t rank;
        int slow = read_line(start, stop, &f) != 0;
        if (!slow) {
            if (!span_is(f.type, "assistant") || f.message != 1 || f.usage != 1) continue;
            if (span_is(f.model, "<synthetic>")) { synthetic++; continue; }
            if (f.api_error == 1) { api_error++; continue; }
            if (f.msg_id.n <= 0) slow = 1; /* no message.id: the reference keeps it as is */
        }
        PyObject *kept = NULL; /* the key as bytes, for a line the reference read */
        const char *key = small;
        Py_ssize_t klen;
        if (slow) {
            PyObject *got = PyObject_CallFunction(x.slow, "nnn", (Py_ssize_t)(start - data),
                                                  (Py_ssize_t)(stop - data), line);
            if (got == NULL) goto done;
            if (got == Py_None) { Py_DECREF(got); continue; }
            PyObject *slow_key;
            long long r;
            if (!PyArg_ParseTuple(got, "UL", &slow_key, &r)) { Py_DECREF(got); goto done; }
            rank = r;
            /* surrogatepass: msgspec can decode an escaped lone surrogate into a str */
            kept = PyUnicode_AsEncodedString(slow_key, "utf-8", "surrogatepass");
            Py_DECREF(got);
            if (kept == NULL) goto done;
            key = PyBytes_AS_STRING(kept);
            klen = PyBytes_GET_SIZE(kept);
        } else {
            /* message.id, then ":" and requestId when there is one */
            klen = f.msg_id.n + (f.request_id.n > 0 ? 1 + f.request_id.n : 0);
            if (klen > (Py_ssize_t)sizeof small) {
                kept = PyBytes_FromStringAndSize(NULL, klen);
                if (kept == NULL) goto done;
                key = PyBytes_AS_STRING(kept);
            }
            char *k = (char *)key;
            memcpy(k, f.msg_id.s, (size_t)f.msg_id.n);
            if (f.request_id.n > 0) {
                k[f.msg_id.n] = ':';
                memcpy(k + f.msg_id.n + 1, f.request_id.s, (size_t)f.request_id.n);
            }
            rank = or0(f.inp) + or0(f.out) + or0(f.ccin) + or0(f.cread) - (f.sidechain == 1 ? SIDECHAIN : 0);
        }
        int is_new;
        Entry *e = table_get(&t, key, klen, &is_new);
        Py_XDECREF(kept);
        if (e == NULL) goto done;
        if (is_new || rank > e->rank) {
            e->rank = rank;
            e->line = line;
            e->start = start - data;
            e->end = stop - data;
            e->slow = slow;
            if (!slow) e->f = f;
        }
        if (!is_new) dropped++;
    }
    /* the lines after the last one handled */
    Py_ssize_t newlines = line - first_line;
    for (const char *p = counted, *nl; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1) newlines++;

    /* pass 2: a row for each request, in the order the requests first appeared */
    rows = PyList_New(0);
    if (rows == NULL) goto done;
    for (size_t i = 0; i < t.n; i++) {
        Entry *e = &t.ent[i];
        PyObject *key = PyUnicode_DecodeUTF8(t.arena + e->key_at, e->key_len, "surrogatepass");
        if (key == NULL) goto done;
        PyObject *row = NULL;
        int defer = 1;
        if (!e->slow) {
            row = fast_row(&x, &e->f, key, e->line, &defer);
            if (row == NULL && !defer) { Py_DECREF(key); goto done; }
        }
        if (defer) {
            row = PyObject_CallFunction(x.finish, "nnLO", e->start, e->end, (long long)e->line, key);
            if (row == NULL) { Py_DECREF(key); goto done; }
        }
        Py_DECREF(key);
        int bad = row != Py_None && PyList_Append(rows, row);
        Py_DECREF(row);
        if (bad) goto done;
    }
    result = Py_BuildValue("(Onnnn)", rows, newlines, synthetic, api_error, dropped);
done:
    Py_XDECREF(rows);
    cache_clear(&x.models);
    cache_clear(&x.tiers);
    cache_clear(&x.speeds);
    cache_clear(&x.geos);
    cache_clear(&x.sessions);
    table_free(&t);
    PyBuffer_Release(&buf);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data, first_line, slow, finish, lookup, src, project, fallback_session)\n"
     "-> (rows, newlines, synthetic, api_errors, duplicates): see claude_code.parse."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ccscan", NULL, -1, methods};

PyMODINIT_FUNC PyInit__ccscan(void) {
    S_REQUEST = PyUnicode_InternFromString("request");
    S_STANDARD = PyUnicode_InternFromString("standard");
    S_FORMAT = PyUnicode_InternFromString("claude-code");
    if (S_REQUEST == NULL || S_STANDARD == NULL || S_FORMAT == NULL) return NULL;
    PyObject *names = PyTuple_New(N_RECORD);
    if (names == NULL) return NULL;
    for (int i = 0; i < N_RECORD; i++) {
        PyObject *name = RECORD_NAMES[i] ? PyUnicode_InternFromString(RECORD_NAMES[i]) : NULL;
        if (name == NULL) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_SystemError, "_ccscan: record column %d has no name", i);
            Py_DECREF(names);
            return NULL;
        }
        PyTuple_SET_ITEM(names, i, name);
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL || PyModule_AddObject(m, "RECORD_COLUMNS", names) < 0) {
        Py_DECREF(names);
        Py_XDECREF(m);
        return NULL;
    }
    return m;
}
