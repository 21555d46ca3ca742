//! Tauri's build step, with an app manifest that names our three commands, so the capability file
//! can allow exactly them and nothing else.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "api",
        "pick_paths",
        "desktop_info",
    ])))
    .expect("tauri build step");
}
