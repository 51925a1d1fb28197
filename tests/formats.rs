//! Every output format compared in full on the demo project (a multi-hop trace), SARIF checked
//! by Microsoft's validator, and fingerprints that survive code moving.

mod common;

use std::path::Path;
use std::process::Command;

use common::{celint_in, missing_tool, root, snapshot, stdout};

/// Output with the checkout's absolute path replaced, so snapshots hold on any clone.
fn normalized(s: &str) -> String {
    s.replace(&root().to_string_lossy().to_string(), "<ROOT>")
}

fn format(name: &str, file: &str) {
    let o = celint_in(root(), &["--output-format", name, "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    snapshot(file, &normalized(&stdout(&o)));
}

#[test]
fn json_lines() {
    format("json-lines", "demo.json-lines");
    let o = celint_in(root(), &["--output-format", "json-lines", "examples/demo"]);
    for line in stdout(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["code"].is_string());
    }
}

#[test]
fn github() {
    format("github", "demo.github.txt");
}

#[test]
fn gitlab() {
    format("gitlab", "demo.gitlab.json");
}

#[test]
fn junit() {
    format("junit", "demo.junit.xml");
}

#[test]
fn pylint() {
    format("pylint", "demo.pylint.txt");
}

#[test]
fn sarif() {
    let o = celint_in(root(), &["--output-format", "sarif", "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Rule help is the rule document itself (checked here); the snapshot leaves it out so that
    // editing a document does not change the snapshot.
    for (i, rule) in celint::rules::Rule::all().enumerate() {
        let r = &mut v["runs"][0]["tool"]["driver"]["rules"][i];
        assert_eq!(r["id"], rule.code());
        assert_eq!(r["help"]["text"], rule.doc());
        assert_eq!(r["help"]["markdown"], rule.doc());
        r["help"] = serde_json::json!("<rule document>");
        r["fullDescription"] = serde_json::json!("<from the rule document>");
        r["shortDescription"] = serde_json::json!("<from the rule document>");
    }
    let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
    snapshot("demo.sarif", &normalized(&text));
}

#[test]
fn github_escapes_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a,b:c%.py";
    std::fs::write(
        dir.path().join(name),
        "from celery import Celery\nfrom celery.signals import worker_process_init\n\napp = Celery()\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    app.control.broadcast(\n        \"shutdown\")\n",
    )
    .unwrap();
    let o = celint_in(
        dir.path(),
        &["--output-format", "github", "--select", "CEL007", name],
    );
    assert_eq!(
        stdout(&o),
        "::warning title=celint (CEL007%3A broadcast-shutdown),file=a%2Cb%3Ac%25.py,line=9,endLine=10::CEL007 `app.control.broadcast( ...` without `destination=` stops every worker on the broker\n"
    );
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let gl = dir.path().join("gl.json");
    let o = celint_in(
        root(),
        &[
            "--output-format",
            "github",
            "--output-file",
            &format!("sarif:{}", sarif.display()),
            "--output-file",
            &format!("gitlab:{}", gl.display()),
            "examples/demo",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("::error "));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 5);
    let g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&gl).unwrap()).unwrap();
    assert_eq!(g.as_array().unwrap().len(), 5);
}

fn fingerprints(dir: &Path, format: &str) -> Vec<(String, u64)> {
    let o = celint_in(dir, &["--output-format", format, "."]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    match format {
        "sarif" => v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["celintFingerprint/v2"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect(),
        _ => v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["fingerprint"].as_str().unwrap().to_string(),
                    r["location"]["lines"]["begin"].as_u64().unwrap(),
                )
            })
            .collect(),
    }
}

#[test]
fn fingerprints_survive_code_moving() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.py");
    let body = "from celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    exit(1)\n\n\n@worker_process_init.connect\ndef again(**kwargs):\n    exit(1)\n";
    std::fs::write(&file, body).unwrap();
    for format in ["sarif", "gitlab"] {
        let before = fingerprints(dir.path(), format);
        std::fs::write(&file, format!("\"\"\"Docs.\"\"\"\nimport os\n\n{body}")).unwrap();
        let after = fingerprints(dir.path(), format);
        std::fs::write(&file, body).unwrap();
        assert_eq!(before.len(), 2);
        // Same fingerprints, different lines; and the two identical exits differ.
        assert_eq!(
            before.iter().map(|f| &f.0).collect::<Vec<_>>(),
            after.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert_ne!(before[0].1, after[0].1);
        assert_ne!(before[0].0, before[1].0);
    }
}

/// Microsoft's SARIF Multitool (`npm install @microsoft/sarif-multitool`): no errors and no
/// warnings. `.ci/run` installs it under `target/npm` and sets SARIF_MULTITOOL; the test also
/// finds it there. Missing, it fails in CI and says it skipped elsewhere.
#[test]
fn sarif_passes_the_multitool_validator() {
    let installed =
        root().join("target/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    let tool = match std::env::var("SARIF_MULTITOOL") {
        Ok(t) => t,
        Err(_) if installed.is_file() => installed.display().to_string(),
        Err(_) => {
            missing_tool(
                "sarif_passes_the_multitool_validator",
                "the SARIF Multitool (SARIF_MULTITOOL, or target/npm as .ci/run installs it)",
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("demo.sarif");
    let output = dir.path().join("validation.sarif");
    let o = celint_in(root(), &["--output-format", "sarif", "examples/demo"]);
    std::fs::write(&input, &o.stdout).unwrap();
    let v = Command::new(&tool)
        .args(["validate", "--output"])
        .arg(&output)
        .args(["--level", "Error;Warning"])
        .arg(&input)
        .output()
        .expect("the validator runs");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let problems: Vec<String> = results
        .iter()
        .filter(|r| matches!(r["level"].as_str(), None | Some("error") | Some("warning")))
        // SARIF2005 asks for the tool's `informationUri`: while celint has no public home
        // (Cargo.toml's `repository`), it has none to give, and inventing one is worse.
        .filter(|r| celint::home().is_some() || r["ruleId"] != "SARIF2005")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(problems.is_empty(), "validator findings: {problems:#?}");
}
