//! Each mistake a city could make in its configuration gets one plain sentence at the exact line
//! and column of the offending value.

use std::path::Path;

use gridwatch_core::config::{Config, ConfigErrors};

const BASE: &str = r#"[city]
name = "Test Town"
timezone = "Asia/Shanghai"

[storage]
database = "sqlite:gw.db"
evidence_dir = "evidence"

[api]
bind = "127.0.0.1:8080"

[grids]
geojson = "grids.geojson"

[shifts]
day = { start = "08:00", end = "20:00" }

[[teams]]
grid = "G01"
leader = { id = "lead", name = "Lead", shifts = ["day"] }
officer = { id = "officer", name = "Officer", shifts = ["day"] }

[[cameras]]
id = "east-gate"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.3, lat = 26.07 }
zones = [
  { id = "bay-3", role = "parking_bay", points = [[0, 0], [100, 0], [100, 50]] },
]

[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
zone = { outside = ["parking_bay"] }
dwell = "5m"
"#;

const GRIDS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "G01"},
   "geometry": {"type": "Polygon", "coordinates": [[[119, 26], [120, 26], [120, 27], [119, 26]]]}}]}"#;

/// Loads `config` from a fresh folder that also holds `grids.geojson`.
fn load_with_grids(config: &str, grids: Option<&str>) -> Result<(), ConfigErrors> {
    let dir = tempfile::tempdir().unwrap();
    if let Some(grids) = grids {
        std::fs::write(dir.path().join("grids.geojson"), grids).unwrap();
    }
    let path = dir.path().join("city.toml");
    std::fs::write(&path, config).unwrap();
    Config::load(&path).map(drop)
}

/// The errors as `line:column: message`, without the temporary file name.
fn errors(config: &str) -> Vec<String> {
    errors_with_grids(config, Some(GRIDS))
}

fn errors_with_grids(config: &str, grids: Option<&str>) -> Vec<String> {
    let Err(ConfigErrors(errors)) = load_with_grids(config, grids) else {
        panic!("expected the config to be refused:\n{config}")
    };
    errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
        .collect()
}

/// `BASE` with `from` replaced by `to`; `from` must occur exactly once.
fn base_with(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must be unique in BASE");
    BASE.replace(from, to)
}

/// 1-based line and column of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> String {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    position_at(text, offset)
}

fn position_at(text: &str, offset: usize) -> String {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

/// Asserts that `config` yields exactly one error, at `needle`, saying `message`.
fn assert_one_error(config: &str, needle: &str, message: &str) {
    assert_eq!(
        errors(config),
        vec![format!("{}: {message}", position(config, needle))]
    );
}

#[test]
fn base_config_is_valid() {
    load_with_grids(BASE, Some(GRIDS)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn positions_are_one_based_lines_and_columns() {
    let config = base_with("dwell = \"5m\"", "dwell = \"five minutes\"");
    assert_eq!(
        errors(&config),
        vec!["36:9: `five minutes` is not a length of time; write it like `90s`, `5m` or `1h 30m`"]
    );
}

#[test]
fn toml_syntax_error() {
    let config = base_with("name = \"Test Town\"", "name = \"Test Town");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0] == "2:18: invalid basic string, expected `\"`",
        "{errors:?}"
    );
}

#[test]
fn misspelt_key() {
    let config = base_with("uri = ", "uir = ");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!(
            "{}: unknown field `uir`, expected one of `id`, `name`, `uri`",
            position(&config, "uir")
        )),
        "{errors:?}"
    );
}

#[test]
fn zone_with_two_points() {
    let config = base_with("[[0, 0], [100, 0], [100, 50]]", "[[0, 0], [100, 0]]");
    assert_one_error(
        &config,
        "[[0, 0], [100, 0]]",
        "zone `bay-3` of camera `east-gate` has 2 points; a polygon needs at least 3",
    );
}

#[test]
fn zone_that_crosses_itself() {
    let config = base_with(
        "[[0, 0], [100, 0], [100, 50]]",
        "[[0, 0], [100, 50], [100, 0], [0, 50]]",
    );
    let errors = errors(&config);
    assert_eq!(errors.len(), 1);
    let expected = format!(
        "{}: zone `bay-3` of camera `east-gate` is not a simple polygon",
        position(&config, "[[0, 0], [100, 50]")
    );
    assert!(errors[0].starts_with(&expected), "{errors:?}");
}

#[test]
fn camera_id_used_twice() {
    let second = "[[cameras]]\nid = \"east-gate\"\nuri = \"rtsp://10.0.0.6/sub\"\nlocation = { lon = 119.3, lat = 26.07 }\n";
    let config = format!("{BASE}\n{second}");
    let second_id = config.rfind("\"east-gate\"").unwrap();
    assert_eq!(
        errors(&config),
        vec![format!(
            "{}: camera id `east-gate` is used twice",
            position_at(&config, second_id)
        )]
    );
}

#[test]
fn rule_of_an_unknown_kind_lists_the_known_ones() {
    let config = base_with("kind = \"out_of_line_parking\"", "kind = \"illegal_parking\"");
    assert_one_error(
        &config,
        "\"illegal_parking\"",
        "rule `parking`: unknown kind `illegal_parking`; declare it under [kinds] or use one of: \
         out_of_line_parking, roadside_barbecue, street_vending",
    );
}

#[test]
fn declared_kind_is_accepted() {
    let config = base_with("kind = \"out_of_line_parking\"", "kind = \"exposed_garbage\"");
    let config = format!("{config}\n[kinds.exposed_garbage]\nname = \"Exposed garbage\"\n");
    load_with_grids(&config, Some(GRIDS)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn rule_names_a_zone_role_no_camera_has() {
    let config = base_with("outside = [\"parking_bay\"]", "outside = [\"parking_bays\"]");
    assert_one_error(
        &config,
        "{ outside = [\"parking_bays\"] }",
        "rule `parking`: no camera has a zone with role `parking_bays`; roles in use are: parking_bay",
    );
}

#[test]
fn latitude_off_the_earth() {
    let config = base_with("lat = 26.07", "lat = 96.07");
    assert_one_error(
        &config,
        "{ lon = 119.3, lat = 96.07 }",
        "latitude 96.07 is outside -90…90",
    );
}

#[test]
fn unknown_time_zone() {
    let config = base_with("\"Asia/Shanghai\"", "\"Asia/Shangai\"");
    assert_one_error(
        &config,
        "\"Asia/Shangai\"",
        "`Asia/Shangai` is not an IANA time zone name such as `Asia/Shanghai`",
    );
}

#[test]
fn team_for_a_grid_that_does_not_exist_and_a_grid_without_team() {
    let config = base_with("grid = \"G01\"", "grid = \"G1\"");
    assert_eq!(
        errors(&config),
        vec![
            format!(
                "{}: grid `G01` has no team; add a [[teams]] entry with grid = \"G01\"",
                position(&config, "\"grids.geojson\"")
            ),
            format!(
                "{}: team for grid `G1`: no such grid in the grids file; grids are: G01",
                position(&config, "\"G1\"")
            ),
        ]
    );
}

#[test]
fn member_works_an_undefined_shift() {
    let config = base_with(
        "name = \"Officer\", shifts = [\"day\"]",
        "name = \"Officer\", shifts = [\"night\"]",
    );
    assert_one_error(
        &config,
        "[\"night\"]",
        "member `officer` works shift `night`, which is not defined under [shifts]; shifts are: day",
    );
}

#[test]
fn calibration_points_that_do_not_pair_up() {
    let calibration = "calibration = { image = [[0, 0], [10, 0], [10, 10], [0, 10]], geo = [{ lon = 119.3, lat = 26.07 }] }\n";
    let config = base_with("zones = [", &format!("{calibration}zones = ["));
    assert_one_error(
        &config,
        "{ image = ",
        "calibration of camera `east-gate` has 4 image points and 1 ground points; they must pair up one to one",
    );
}

#[test]
fn unsupported_stream_scheme() {
    let config = base_with("rtsp://10.0.0.5/sub", "rtmp://10.0.0.5/sub");
    assert_one_error(
        &config,
        "\"rtmp://",
        "camera `east-gate`: `rtmp://` streams are not supported; use one of rtsp://, rtsps://, http://, https://, file://",
    );
}

#[test]
fn grids_file_missing() {
    let errors = errors_with_grids(BASE, None);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let expected = format!(
        "{}: cannot read grids file `",
        position(BASE, "\"grids.geojson\"")
    );
    assert!(
        errors[0].starts_with(&expected) && errors[0].contains("grids.geojson`: No such file"),
        "{errors:?}"
    );
}

#[test]
fn grid_feature_without_an_id() {
    let errors = errors_with_grids(BASE, Some(&GRIDS.replace("\"id\"", "\"code\"")));
    assert!(
        errors
            .iter()
            .any(|e| e.ends_with("feature 0 has no string property `id` to take its grid id from")),
        "{errors:?}"
    );
}

#[test]
fn confirmation_needs_k_at_most_n() {
    let config = base_with("dwell = \"5m\"", "dwell = \"5m\"\nconfirm = { k = 6, n = 5 }");
    assert_one_error(
        &config,
        "{ k = 6",
        "rule `parking`: confirm needs 1 ≤ k ≤ n, but k = 6 and n = 5",
    );
}

#[test]
fn api_bind_is_not_an_address() {
    let config = base_with("\"127.0.0.1:8080\"", "\"localhost\"");
    assert_one_error(
        &config,
        "\"localhost\"",
        "`localhost` is not an IP address and port such as `127.0.0.1:8080`",
    );
}

#[test]
fn metrics_listen_is_not_an_address() {
    let config = format!("{BASE}\n[metrics]\nlisten = \"9464\"\n");
    assert_one_error(
        &config,
        "\"9464\"",
        "`9464` is not an IP address and port such as `127.0.0.1:8080`",
    );
}

#[test]
fn unsupported_database() {
    let config = base_with("\"sqlite:gw.db\"", "\"mysql://db/gridwatch\"");
    assert_one_error(
        &config,
        "\"mysql://",
        "database `mysql://db/gridwatch` is not supported; use `sqlite:PATH` (embedded) or `postgres://…`",
    );
}

#[test]
fn every_consistency_problem_is_reported_in_file_order() {
    let config = base_with("[[0, 0], [100, 0], [100, 50]]", "[[0, 0], [100, 0]]")
        .replace("kind = \"out_of_line_parking\"", "kind = \"graffiti\"")
        .replace("shifts = [\"day\"] }\nofficer", "shifts = [\"dawn\"] }\nofficer");
    let errors = errors(&config);
    let lines: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap()).collect();
    assert_eq!(lines, ["20", "28", "33"], "{errors:#?}");
}

#[test]
fn unreadable_config_file_names_itself() {
    let err = Config::load(Path::new("/nonexistent/city.toml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/nonexistent/city.toml:1:1: cannot read the configuration file: No such file or directory (os error 2)"
    );
}

#[test]
fn unknown_execution_provider_lists_the_choices() {
    let config = format!("{BASE}\n[model]\ncard = \"m.model.toml\"\nprovider = \"gpu\"\n");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0],
        format!(
            "{}: unknown variant `gpu`, expected one of `cpu`, `cuda`, `tensorrt`, `openvino`",
            position(&config, "\"gpu\"")
        )
    );
}

#[test]
fn tracking_scores_out_of_order() {
    let config = format!("{BASE}\n[tracking]\nhigh_score = 0.7\nnew_track_score = 0.5\n");
    assert_one_error(
        &config,
        "[tracking]",
        "tracking scores must satisfy 0 ≤ low_score ≤ high_score ≤ new_track_score ≤ 1, but are 0.1, 0.7, 0.5",
    );
}

#[test]
fn nats_output_needs_a_nats_url() {
    let config = format!("{BASE}\n[output.nats]\nurl = \"http://127.0.0.1:4222\"\n");
    assert_one_error(
        &config,
        "\"http://127.0.0.1:4222\"",
        "NATS url `http://127.0.0.1:4222` must start with nats:// or tls://",
    );
}

#[test]
fn worker_leases_need_a_bucket_name_nats_accepts_and_time_to_renew() {
    let config = format!("{BASE}\n[workers]\nbucket = \"camera leases\"\n");
    assert_one_error(
        &config,
        "\"camera leases\"",
        "bucket name `camera leases` may only contain letters, digits, `-` and `_`",
    );
    let config = format!("{BASE}\n[workers]\nlease = \"1s\"\n");
    assert_one_error(
        &config,
        "\"1s\"",
        "a lease of 1s is shorter than the 3 s a worker needs to renew it in time",
    );
    let config = format!("{BASE}\n[workers]\nmax_cameras = 0\n");
    let value = config.find("max_cameras = 0").unwrap() + "max_cameras = ".len();
    assert_eq!(
        errors(&config),
        vec![format!(
            "{}: a worker that may hold no camera does nothing; leave max_cameras out for no limit",
            position_at(&config, value)
        )]
    );
}

const SECRET_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn member_token_without_a_member() {
    let config = format!(
        "{BASE}\n[dispatch]\ntokens = [{{ name = \"phone\", sha256 = \"{SECRET_HASH}\", role = \"member\" }}]\n"
    );
    assert_one_error(
        &config,
        "\"member\" }",
        "token `phone` has role member but names no `member` from the roster",
    );
}

#[test]
fn token_for_an_unknown_member_and_a_short_hash() {
    let config = format!(
        "{BASE}\n[dispatch]\ntokens = [\n  {{ name = \"a\", sha256 = \"{SECRET_HASH}\", role = \"member\", member = \"nobody\" }},\n  {{ name = \"b\", sha256 = \"abc\", role = \"command\" }},\n]\n"
    );
    assert_eq!(
        errors(&config),
        [
            format!(
                "{}: token `a`: no roster member has id `nobody`",
                position(&config, "\"nobody\"")
            ),
            format!(
                "{}: token `b`: sha256 must be 64 lowercase hex digits (`gridwatch token SECRET` prints it)",
                position(&config, "\"abc\"")
            ),
        ]
    );
}

#[test]
fn auto_dispatch_threshold_out_of_range() {
    let config = format!("{BASE}\n[kinds.out_of_line_parking]\nname = \"Parking\"\nauto_dispatch_at = 1.5\n");
    assert_one_error(
        &config,
        "1.5",
        "kind `out_of_line_parking`: auto_dispatch_at is a confidence between 0 and 1",
    );
}

#[test]
fn shop_on_a_zone_its_camera_does_not_have() {
    let config = format!(
        "{BASE}\n[[dispatch.shops]]\nid = \"fruit\"\nname = \"Fruit\"\nlicence = \"L-1\"\ncontact = \"1\"\nfronts = [{{ camera = \"east-gate\", zone = \"apron\" }}]\n"
    );
    let zones = "bay-3";
    assert_one_error(
        &config,
        "\"apron\"",
        &format!("shop `fruit`: camera `east-gate` has no zone `apron`; its zones are: {zones}"),
    );
}

#[test]
fn shops_with_an_unknown_camera_a_repeated_id_or_no_shopfront() {
    let shop = |id: &str, rest: &str| {
        format!("[[dispatch.shops]]\nid = \"{id}\"\nname = \"N\"\nlicence = \"L\"\ncontact = \"1\"\n{rest}\n")
    };
    let config = format!(
        "{BASE}\n{}{}{}",
        shop("tea", "fronts = [{ camera = \"no-such-cam\", zone = \"bay-3\" }]"),
        shop("tea", "place = { lon = 119.3, lat = 26.08 }"),
        shop("bun", "radius_m = 10.0"),
    );
    assert_eq!(
        errors(&config),
        [
            format!(
                "{}: shop `tea`: no camera has id `no-such-cam`",
                position(&config, "\"no-such-cam\"")
            ),
            format!(
                "{}: shop `tea`: another shop has this id already",
                position(&config, "\"tea\"\nname = \"N\"\nlicence = \"L\"\ncontact = \"1\"\nplace")
            ),
            format!(
                "{}: shop `bun`: say where its shopfront is: `fronts = [{{ camera, zone }}]`, `place = {{ lon, lat }}`, or both",
                position(&config, "\"bun\"")
            ),
        ]
    );
}

#[test]
fn grading_red_below_yellow_and_unknown_keys() {
    let config = format!("{BASE}\n[dispatch.grading]\nyellow_at = 3\nred_at = 2\n");
    let value = config.find("red_at = 2").unwrap() + "red_at = ".len();
    assert_eq!(
        errors(&config),
        [format!(
            "{}: grading: red_at (2) must be more than yellow_at (3)",
            position_at(&config, value)
        )]
    );
    let config = format!("{BASE}\n[dispatch.grading]\nwindow = \"90d\"\norange_at = 3\n");
    let found = errors(&config);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("orange_at") && found[0].contains("yellow_at"),
        "an unknown key is named with the valid ones: {found:?}"
    );
    let config = format!("{BASE}\n[dispatch.grading]\nrepair_after = \"0s\"\n");
    assert_one_error(&config, "\"0s\"", "grading: repair_after must be longer than 0");
}

#[test]
fn negative_group_distance() {
    let config = base_with(
        "subjects = [{ class = \"bicycle\" }]",
        "subjects = [{ class = \"bicycle\" }]\ngroup_within = -1.0",
    );
    assert_one_error(&config, "-1.0", "rule `parking`: group_within must be 0 or more");
}

#[test]
fn unless_with_a_negative_distance() {
    let config = base_with(
        "subjects = [{ class = \"bicycle\" }]",
        "subjects = [{ class = \"bicycle\" }]\nunless = [{ class = \"person\", within = -2.5 }]",
    );
    assert_one_error(
        &config,
        "-2.5",
        "rule `parking`: unless distance `within` must be above 0",
    );
}

#[test]
fn unless_standing_in_a_zone_role_no_camera_has() {
    let config = base_with(
        "subjects = [{ class = \"bicycle\" }]",
        "subjects = [{ class = \"bicycle\" }]\nunless = [{ class = \"person\", within = 2.0, inside = [\"kerb\"] }]",
    );
    assert_one_error(
        &config,
        "[\"kerb\"]",
        "rule `parking`: no camera has a zone with role `kerb`; roles in use are: parking_bay",
    );
}

#[test]
fn a_batch_of_no_frames() {
    let card = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/gridwatch-demo.model.toml");
    let config = format!("{BASE}\n[model]\ncard = \"{card}\"\nmax_batch = 0\n");
    let value = config.find("max_batch = 0").unwrap() + "max_batch = ".len();
    assert_eq!(
        errors(&config),
        [format!(
            "{}: model max_batch must be at least 1 frame",
            position_at(&config, value)
        )]
    );
}

#[test]
fn view_checks_with_a_zero_time_and_no_pixels() {
    let config = base_with(
        "zones = [",
        "view = { frozen_after = \"0s\", moved_px = 0 }\nzones = [",
    );
    assert_eq!(
        errors(&config),
        [
            format!(
                "{}: camera `east-gate`: view frozen_after must be longer than 0s",
                position(&config, "\"0s\"")
            ),
            format!(
                "{}: camera `east-gate`: view moved_px 0 must be a number of pixels above 0",
                position(&config, "0 }")
            ),
        ]
    );
}

#[test]
fn view_reference_that_is_missing_or_not_a_picture() {
    let missing = base_with("zones = [", "view = { reference = \"east-gate.jpg\" }\nzones = [");
    let errors_missing = errors(&missing);
    assert_eq!(errors_missing.len(), 1, "{errors_missing:?}");
    assert!(
        errors_missing[0].starts_with(&format!(
            "{}: camera `east-gate`: view reference `",
            position(&missing, "\"east-gate.jpg\"")
        )) && errors_missing[0].ends_with("east-gate.jpg` does not exist"),
        "{errors_missing:?}"
    );
    let video = base_with("zones = [", "view = { reference = \"east-gate.mp4\" }\nzones = [");
    let errors_video = errors(&video);
    assert!(
        errors_video.len() == 1 && errors_video[0].ends_with("must be a picture in one of: jpg, jpeg, png"),
        "{errors_video:?}"
    );
}

#[test]
fn view_check_with_an_unknown_key_lists_the_keys() {
    let config = base_with("zones = [", "view = { frozen = \"60s\" }\nzones = [");
    let errors = errors(&config);
    assert!(
        errors.len() == 1
            && errors[0].contains("unknown field `frozen`")
            && errors[0].contains("frozen_after"),
        "{errors:?}"
    );
}

#[test]
fn analysis_region_with_its_edges_the_wrong_way_round() {
    let zones = "zones = [\n  { id = \"bay-3\"";
    for region in ["[400, 0, 100, 50]", "[0, 50, 100, 50]", "[-10, 0, 100, 50]"] {
        let config = base_with(zones, &format!("analysis = {{ region = {region} }}\n{zones}"));
        let edges = region.trim_matches(['[', ']']);
        assert_one_error(
            &config,
            region,
            &format!(
                "camera `east-gate`: analysis region [{edges}] must be [x0, y0, x1, y1] pixels with 0 ≤ x0 < x1 and 0 ≤ y0 < y1"
            ),
        );
    }
}

#[test]
fn analysis_region_that_is_neither_full_nor_four_edges() {
    let zones = "zones = [\n  { id = \"bay-3\"";
    let config = base_with(zones, &format!("analysis = {{ region = \"half\" }}\n{zones}"));
    assert_one_error(
        &config,
        "\"half\"",
        "`half`: an analysis region is \"full\" or [x0, y0, x1, y1] in pixels",
    );
}

#[test]
fn analysis_padding_with_an_explicit_region_or_below_zero() {
    let zones = "zones = [\n  { id = \"bay-3\"";
    let config = base_with(
        zones,
        &format!("analysis = {{ region = \"full\", padding = 32 }}\n{zones}"),
    );
    assert_one_error(
        &config,
        "32",
        "camera `east-gate`: analysis padding widens the zones' bounding box, which an explicit region replaces; leave out one of them",
    );
    let config = base_with(zones, &format!("analysis = {{ padding = -8 }}\n{zones}"));
    assert_one_error(
        &config,
        "-8",
        "camera `east-gate`: analysis padding -8 must be 0 or more pixels",
    );
}
