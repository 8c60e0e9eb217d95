//! The second pass of loading: checks that need the whole document (references between sections,
//! counts, geometry, files it names). Every problem is collected, not just the first.

use std::collections::{BTreeSet, HashSet};

use super::{
    diagnostic::{at, ConfigError, SourceMap, Step},
    Camera, Config, Grid, Role, Rule, Team,
};
use crate::ZoneRole;

const URI_SCHEMES: [&str; 5] = ["rtsp", "rtsps", "http", "https", "file"];

/// Returns the grids (empty if they could not be read) and every problem found.
/// Beyond five decimal places (about a metre), a public place would point at a person.
const MAX_PLACE_DECIMALS: u8 = 5;

pub(super) fn check(config: &Config, map: &SourceMap) -> (Vec<Grid>, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let mut report = |e: ConfigError| errors.push(e);

    storage(config, map, &mut report);
    if let Some(nats) = &config.output.nats {
        if !["nats://", "tls://"].iter().any(|p| nats.url.starts_with(p)) {
            report(map.error(
                at!["output", "nats", "url"],
                format!("NATS url `{}` must start with nats:// or tls://", nats.url),
            ));
        }
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if !token(&nats.stream) {
            report(map.error(
                at!["output", "nats", "stream"],
                format!(
                    "stream name `{}` may only contain letters, digits, `-` and `_`",
                    nats.stream
                ),
            ));
        }
        if !nats.prefix.split('.').all(token) {
            report(map.error(
                at!["output", "nats", "prefix"],
                format!(
                    "subject prefix `{}` must be dot-separated words of letters, digits, `-` and `_`",
                    nats.prefix
                ),
            ));
        }
    }
    workers(config, map, &mut report);
    let grids = match config.grids.load() {
        Ok(grids) => grids,
        Err(problems) => {
            problems
                .into_iter()
                .for_each(|p| report(map.error(at!["grids", "geojson"], p)));
            Vec::new()
        }
    };
    let decimals = config.api.open311.public_place_decimals;
    if decimals > MAX_PLACE_DECIMALS {
        report(map.error(
            at!["api", "open311", "public_place_decimals"],
            format!("{decimals} decimal places is finer than a doorway; give 0 to {MAX_PLACE_DECIMALS} (3 places the street)"),
        ));
    }
    if let Some(model) = &config.model {
        if !model.card.is_file() {
            report(map.error(
                at!["model", "card"],
                format!("model card `{}` does not exist", model.card.display()),
            ));
        }
        if model.max_batch == 0 {
            report(map.error(
                at!["model", "max_batch"],
                "model max_batch must be at least 1 frame",
            ));
        }
    }
    for (name, shift) in &config.shifts {
        if shift.start == shift.end {
            report(map.error(
                at!["shifts", name.as_str()],
                format!(
                    "shift `{name}` starts and ends at {}; a shift must have a length",
                    shift.start
                ),
            ));
        }
    }
    teams(config, &grids, map, &mut report);
    dispatch(config, map, &mut report);
    let t = &config.tracking;
    let scores_ordered = 0.0 <= t.low_score
        && t.low_score <= t.high_score
        && t.high_score <= t.new_track_score
        && t.new_track_score <= 1.0;
    if !scores_ordered {
        report(map.error(
            at!["tracking"],
            format!(
                "tracking scores must satisfy 0 ≤ low_score ≤ high_score ≤ new_track_score ≤ 1, but are {}, {}, {}",
                t.low_score, t.high_score, t.new_track_score
            ),
        ));
    }
    for (i, camera) in config.cameras.iter().enumerate() {
        if config.cameras[..i].iter().any(|c| c.id == camera.id) {
            report(map.error(
                at!["cameras", i, "id"],
                format!("camera id `{}` is used twice", camera.id),
            ));
        }
        self::camera(at!["cameras", i], camera, map, &mut report);
    }
    let roles: BTreeSet<&ZoneRole> = config
        .cameras
        .iter()
        .flat_map(|c| &c.zones)
        .map(|z| &z.role)
        .collect();
    for (i, rule) in config.rules.iter().enumerate() {
        if config.rules[..i].iter().any(|r| r.id == rule.id) {
            report(map.error(
                at!["rules", i, "id"],
                format!("rule id `{}` is used twice", rule.id),
            ));
        }
        self::rule(i, rule, config, &roles, map, &mut report);
    }
    (grids, errors)
}

fn storage(config: &Config, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let url = &config.storage.database;
    let supported = ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|p| url.starts_with(p));
    if !supported {
        report(map.error(
            at!["storage", "database"],
            format!("database `{url}` is not supported; use `sqlite:PATH` (embedded) or `postgres://…`"),
        ));
    }
}

fn dispatch(config: &Config, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let d = &config.dispatch;
    if !(d.merge_radius_m.is_finite() && d.merge_radius_m >= 0.0) {
        report(map.error(
            at!["dispatch", "merge_radius_m"],
            format!(
                "merge radius {} m must be a distance of 0 or more metres",
                d.merge_radius_m
            ),
        ));
    }
    for (i, token) in d.tokens.iter().enumerate() {
        let hex = token.sha256.len() == 64
            && token
                .sha256
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if !hex {
            report(map.error(
                at!["dispatch", "tokens", i, "sha256"],
                format!(
                    "token `{}`: sha256 must be 64 lowercase hex digits (`gridwatch token SECRET` prints it)",
                    token.name
                ),
            ));
        }
        if d.tokens[..i].iter().any(|t| t.sha256 == token.sha256) {
            report(map.error(
                at!["dispatch", "tokens", i, "sha256"],
                format!("token `{}` has the same secret as an earlier token", token.name),
            ));
        }
        match (token.role, &token.member) {
            (Role::Member, None) => report(map.error(
                at!["dispatch", "tokens", i, "role"],
                format!(
                    "token `{}` has role member but names no `member` from the roster",
                    token.name
                ),
            )),
            (Role::Member, Some(id)) if !config.teams.iter().any(|t| t.members().any(|m| &m.id == id)) => {
                report(map.error(
                    at!["dispatch", "tokens", i, "member"],
                    format!("token `{}`: no roster member has id `{id}`", token.name),
                ))
            }
            (role, Some(_)) if role != Role::Member => report(map.error(
                at!["dispatch", "tokens", i, "member"],
                format!("token `{}`: only member tokens name a member", token.name),
            )),
            _ => {}
        }
    }
    for (i, hook) in d.webhooks.iter().enumerate() {
        if !["http://", "https://"].iter().any(|p| hook.url.starts_with(p)) {
            report(map.error(
                at!["dispatch", "webhooks", i, "url"],
                format!(
                    "webhook `{}`: url `{}` must start with http:// or https://",
                    hook.name, hook.url
                ),
            ));
        }
    }
    shops(config, map, report);
    for (kind, info) in &config.kinds {
        if info.auto_dispatch_at.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            report(map.error(
                at!["kinds", kind.as_str(), "auto_dispatch_at"],
                format!("kind `{kind}`: auto_dispatch_at is a confidence between 0 and 1"),
            ));
        }
    }
}

/// The shop registry: unique ids, a shopfront for each (camera zones or a place), every zone one
/// its camera has; and grading thresholds that rise from yellow to red.
fn shops(config: &Config, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let d = &config.dispatch;
    let mut ids = HashSet::new();
    for (i, shop) in d.shops.iter().enumerate() {
        if !ids.insert(shop.id.as_str()) {
            report(map.error(
                at!["dispatch", "shops", i, "id"],
                format!("shop `{}`: another shop has this id already", shop.id),
            ));
        }
        if shop.fronts.is_empty() && shop.place.is_none() {
            report(map.error(
                at!["dispatch", "shops", i, "id"],
                format!(
                    "shop `{}`: say where its shopfront is: `fronts = [{{ camera, zone }}]`, `place = {{ lon, lat }}`, or both",
                    shop.id
                ),
            ));
        }
        if !(shop.radius_m.is_finite() && shop.radius_m > 0.0) {
            report(map.error(
                at!["dispatch", "shops", i, "radius_m"],
                format!("shop `{}`: radius_m must be more than 0 metres", shop.id),
            ));
        }
        for (j, front) in shop.fronts.iter().enumerate() {
            match config.cameras.iter().find(|c| c.id == front.camera) {
                None => report(map.error(
                    at!["dispatch", "shops", i, "fronts", j, "camera"],
                    format!("shop `{}`: no camera has id `{}`", shop.id, front.camera),
                )),
                Some(camera) if !camera.zones.iter().any(|z| z.id == front.zone) => {
                    let zones: Vec<&str> = camera.zones.iter().map(|z| z.id.as_str()).collect();
                    report(map.error(
                        at!["dispatch", "shops", i, "fronts", j, "zone"],
                        format!(
                            "shop `{}`: camera `{}` has no zone `{}`; its zones are: {}",
                            shop.id,
                            front.camera,
                            front.zone,
                            zones.join(", ")
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let g = &d.grading;
    if g.yellow_at == 0 {
        report(map.error(
            at!["dispatch", "grading", "yellow_at"],
            "grading: yellow_at must be 1 or more counted cases",
        ));
    }
    if g.red_at <= g.yellow_at {
        report(map.error(
            at!["dispatch", "grading", "red_at"],
            format!(
                "grading: red_at ({}) must be more than yellow_at ({})",
                g.red_at, g.yellow_at
            ),
        ));
    }
    for (key, span) in [("window", g.window), ("repair_after", g.repair_after)] {
        if span.0.is_zero() {
            report(map.error(
                at!["dispatch", "grading", key],
                format!("grading: {key} must be longer than 0"),
            ));
        }
    }
}

fn teams(config: &Config, grids: &[Grid], map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let mut member_ids = HashSet::new();
    for (i, team) in config.teams.iter().enumerate() {
        // Unknown grids can only be told when the grids file was read.
        if !grids.is_empty() && !grids.iter().any(|g| g.id == team.grid) {
            let known: Vec<&str> = grids.iter().map(|g| g.id.as_str()).collect();
            report(map.error(
                at!["teams", i, "grid"],
                format!(
                    "team for grid `{}`: no such grid in the grids file; grids are: {}",
                    team.grid,
                    known.join(", ")
                ),
            ));
        }
        if config.teams[..i].iter().any(|t| t.grid == team.grid) {
            report(map.error(
                at!["teams", i, "grid"],
                format!("grid `{}` has a second team; a grid has one team", team.grid),
            ));
        }
        for (role, index, member) in members(team) {
            let path = |key| {
                let mut path = vec![Step::Key("teams"), Step::Index(i), Step::Key(role)];
                path.extend(index.map(Step::Index));
                path.push(Step::Key(key));
                path
            };
            if !member_ids.insert(&member.id) {
                report(map.error(
                    &path("id"),
                    format!("member id `{}` is used twice in the roster", member.id),
                ));
            }
            if member.shifts.is_empty() {
                report(map.error(&path("shifts"), format!("member `{}` has no shifts", member.id)));
            }
            for shift in member.shifts.iter().filter(|s| !config.shifts.contains_key(*s)) {
                let known: Vec<&str> = config.shifts.keys().map(String::as_str).collect();
                report(map.error(
                    &path("shifts"),
                    format!(
                        "member `{}` works shift `{shift}`, which is not defined under [shifts]; shifts are: {}",
                        member.id,
                        list_or_none(&known)
                    ),
                ));
            }
        }
    }
    for grid in grids
        .iter()
        .filter(|g| !config.teams.iter().any(|t| t.grid == g.id))
    {
        report(map.error(
            at!["grids", "geojson"],
            format!(
                "grid `{}` has no team; add a [[teams]] entry with grid = \"{}\"",
                grid.id, grid.id
            ),
        ));
    }
}

/// Each member with the key it is written under and, for assistants, its index.
fn members(team: &Team) -> impl Iterator<Item = (&'static str, Option<usize>, &super::Member)> {
    [("leader", None, &team.leader), ("officer", None, &team.officer)]
        .into_iter()
        .chain(
            team.assistants
                .iter()
                .enumerate()
                .map(|(n, m)| ("assistants", Some(n), m)),
        )
}

/// Checks the camera written at `path` of the document.
pub(super) fn camera(path: &[Step], camera: &Camera, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let id = &camera.id;
    let under = |rest: &[Step<'static>]| [path, rest].concat();
    for (key, uri) in [
        ("uri", Some(&camera.uri)),
        ("record_uri", camera.record_uri.as_ref()),
    ] {
        let Some(uri) = uri else { continue };
        if let Some((scheme, _)) = uri.split_once("://") {
            if !URI_SCHEMES.contains(&scheme) {
                report(map.error(
                    &under(at![key]),
                    format!(
                        "camera `{id}`: `{scheme}://` streams are not supported; use one of {}",
                        URI_SCHEMES.map(|s| format!("{s}://")).join(", ")
                    ),
                ));
            }
        }
    }
    if let super::DecodePolicy::Fps(fps) = camera.decode {
        if !(fps > 0.0 && fps <= 60.0) {
            report(map.error(
                &under(at!["decode", "fps"]),
                format!("camera `{id}`: decode fps {fps} is outside 0…60"),
            ));
        }
    }
    let reconnect = camera.reconnect;
    if reconnect.initial.0.is_zero()
        || reconnect.initial > reconnect.max
        || !(0.0..=1.0).contains(&reconnect.jitter)
    {
        report(map.error(
            &under(at!["reconnect"]),
            format!("camera `{id}`: reconnect needs 0 < initial ≤ max and jitter within 0…1"),
        ));
    }
    if let Some(calibration) = &camera.calibration {
        if let Err(e) = calibration.fit() {
            report(map.error(
                &under(at!["calibration"]),
                format!("calibration of camera `{id}` {e}"),
            ));
        }
    }
    view(path, camera, map, report);
    analysis(path, camera, map, report);
    for (z, zone) in camera.zones.iter().enumerate() {
        if camera.zones[..z].iter().any(|other| other.id == zone.id) {
            report(map.error(
                &under(at!["zones", z, "id"]),
                format!("camera `{id}` has two zones named `{}`", zone.id),
            ));
        }
        if let Err(e) = crate::ImagePolygon::new(&zone.points) {
            report(map.error(
                &under(at!["zones", z, "points"]),
                format!("zone `{}` of camera `{id}` {e}", zone.id),
            ));
        }
    }
}

fn analysis(path: &[Step], camera: &Camera, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let (id, analysis) = (&camera.id, &camera.analysis);
    let under = |key: &'static str| [path, at!["analysis", key]].concat();
    if let Some(super::AnalysisRegion::Pixels([x0, y0, x1, y1])) = analysis.region {
        let edges = [x0, y0, x1, y1];
        if !(edges.iter().all(|v| v.is_finite() && *v >= 0.0) && x0 < x1 && y0 < y1) {
            report(map.error(
                &under("region"),
                format!(
                    "camera `{id}`: analysis region [{x0}, {y0}, {x1}, {y1}] must be [x0, y0, x1, y1] pixels with 0 ≤ x0 < x1 and 0 ≤ y0 < y1"
                ),
            ));
        }
    }
    if analysis.region.is_some() && analysis.padding.is_some() {
        report(map.error(
            &under("padding"),
            format!("camera `{id}`: analysis padding widens the zones' bounding box, which an explicit region replaces; leave out one of them"),
        ));
    }
    if let Some(padding) = analysis.padding {
        if !(padding.is_finite() && padding >= 0.0) {
            report(map.error(
                &under("padding"),
                format!("camera `{id}`: analysis padding {padding} must be 0 or more pixels"),
            ));
        }
    }
}

/// The picture formats a reference may be in.
const REFERENCE_FORMATS: [&str; 3] = ["jpg", "jpeg", "png"];

fn view(path: &[Step], camera: &Camera, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let (id, view) = (&camera.id, &camera.view);
    let under = |key: &'static str| [path, at!["view", key]].concat();
    for (key, span) in [
        ("frozen_after", view.frozen_after),
        ("dark_after", view.dark_after),
        ("check_every", view.check_every),
    ] {
        if span.0.is_zero() {
            report(map.error(
                &under(key),
                format!("camera `{id}`: view {key} must be longer than 0s"),
            ));
        }
    }
    if !(view.moved_px.is_finite() && view.moved_px > 0.0) {
        report(map.error(
            &under("moved_px"),
            format!(
                "camera `{id}`: view moved_px {} must be a number of pixels above 0",
                view.moved_px
            ),
        ));
    }
    if let Some(reference) = &view.reference {
        let format = reference
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !format.is_some_and(|f| REFERENCE_FORMATS.contains(&f.as_str())) {
            report(map.error(
                &under("reference"),
                format!(
                    "camera `{id}`: view reference `{}` must be a picture in one of: {}",
                    reference.display(),
                    REFERENCE_FORMATS.join(", ")
                ),
            ));
        } else if !reference.is_file() {
            report(map.error(
                &under("reference"),
                format!(
                    "camera `{id}`: view reference `{}` does not exist",
                    reference.display()
                ),
            ));
        }
    }
}

fn rule(
    i: usize,
    rule: &Rule,
    config: &Config,
    roles: &BTreeSet<&ZoneRole>,
    map: &SourceMap,
    report: &mut impl FnMut(ConfigError),
) {
    let id = &rule.id;
    let kinds = config.known_kinds();
    if !kinds.contains(&rule.kind) {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        report(map.error(
            at!["rules", i, "kind"],
            format!(
                "rule `{id}`: unknown kind `{}`; declare it under [kinds] or use one of: {}",
                rule.kind,
                names.join(", ")
            ),
        ));
    }
    if rule.subjects.is_empty() {
        report(map.error(
            at!["rules", i, "subjects"],
            format!("rule `{id}` has no subjects; name at least one detector class"),
        ));
    }
    let scores = rule
        .subjects
        .iter()
        .map(|s| s.min_score)
        .enumerate()
        .map(|(n, score)| ("subjects", n, score));
    let nearby_scores = rule.nearby().map(|(key, n, c)| (key, n, c.min_score));
    for (key, n, score) in scores.chain(nearby_scores) {
        if !(0.0..=1.0).contains(&score) {
            report(map.error(
                at!["rules", i, key, n, "min_score"],
                format!("rule `{id}`: min_score {score} is outside 0…1"),
            ));
        }
    }
    for (key, n, companion) in rule.nearby() {
        if companion.within.is_nan() || companion.within <= 0.0 {
            report(map.error(
                at!["rules", i, key, n, "within"],
                format!("rule `{id}`: {key} distance `within` must be above 0"),
            ));
        }
    }
    if rule.group_within.is_nan() || rule.group_within < 0.0 {
        report(map.error(
            at!["rules", i, "group_within"],
            format!("rule `{id}`: group_within must be 0 or more"),
        ));
    }
    if rule.min_count == 0 {
        report(map.error(
            at!["rules", i, "min_count"],
            format!("rule `{id}`: min_count must be at least 1"),
        ));
    }
    let exempt_roles = rule
        .exempt
        .iter()
        .enumerate()
        .flat_map(|(e, ex)| ex.roles.iter().map(move |r| (e, r)));
    if rule.zone.roles().is_empty() {
        report(map.error(
            at!["rules", i, "zone"],
            format!("rule `{id}` names no zone roles"),
        ));
    }
    let unknown_role = |role: &ZoneRole| {
        let known: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        format!(
            "rule `{id}`: no camera has a zone with role `{role}`; roles in use are: {}",
            list_or_none(&known)
        )
    };
    for role in rule.zone.roles().iter().filter(|r| !roles.contains(r)) {
        report(map.error(at!["rules", i, "zone"], unknown_role(role)));
    }
    for (e, role) in exempt_roles.filter(|(_, r)| !roles.contains(r)) {
        report(map.error(at!["rules", i, "exempt", e, "roles"], unknown_role(role)));
    }
    for (key, n, companion) in rule.nearby() {
        for role in companion.inside.iter().filter(|r| !roles.contains(r)) {
            report(map.error(at!["rules", i, key, n, "inside"], unknown_role(role)));
        }
    }
    if rule.confirm.k == 0 || rule.confirm.k > rule.confirm.n {
        report(map.error(
            at!["rules", i, "confirm"],
            format!(
                "rule `{id}`: confirm needs 1 ≤ k ≤ n, but k = {} and n = {}",
                rule.confirm.k, rule.confirm.n
            ),
        ));
    }
    for (c, camera) in rule.cameras.iter().flatten().enumerate() {
        if !config.cameras.iter().any(|known| &known.id == camera) {
            report(map.error(
                at!["rules", i, "cameras", c],
                format!("rule `{id}` names camera `{camera}`, which is not configured"),
            ));
        }
    }
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// Rules' subject, companion and `unless` classes that the model card does not list.
pub(super) fn classes(
    config: &Config,
    known: &[String],
    card: &std::path::Path,
    map: &SourceMap,
) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (i, rule) in config.rules.iter().enumerate() {
        let subjects = rule.subjects.iter().enumerate();
        let named = (subjects.map(|(n, s)| ("subjects", n, &s.class)))
            .chain(rule.nearby().map(|(key, n, c)| (key, n, &c.class)));
        for (key, n, class) in named {
            if !known.iter().any(|k| k == class) {
                errors.push(map.error(
                    at!["rules", i, key, n, "class"],
                    format!(
                        "rule `{}` names class `{class}`, which model card `{}` does not have; its classes are: {}",
                        rule.id,
                        card.display(),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    errors
}

fn workers(config: &Config, map: &SourceMap, report: &mut impl FnMut(ConfigError)) {
    let w = &config.workers;
    if w.bucket.is_empty()
        || !w
            .bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        report(map.error(
            at!["workers", "bucket"],
            format!(
                "bucket name `{}` may only contain letters, digits, `-` and `_`",
                w.bucket
            ),
        ));
    }
    if w.lease.0 < std::time::Duration::from_secs(3) {
        report(map.error(
            at!["workers", "lease"],
            format!(
                "a lease of {} is shorter than the 3 s a worker needs to renew it in time",
                w.lease
            ),
        ));
    }
    if w.max_cameras == Some(0) {
        report(map.error(
            at!["workers", "max_cameras"],
            "a worker that may hold no camera does nothing; leave max_cameras out for no limit",
        ));
    }
}
