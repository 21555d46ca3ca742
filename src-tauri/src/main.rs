//! The Trawl desktop app: a window over the UI in `ui/dist`, a menu, native file dialogs, and one
//! command, `api`, that forwards a protocol request to [`trawl_api::Service`], the same service
//! `trawl serve` puts behind HTTP. Nothing else lives here.
//!
//! The database is `--db PATH`, else `$TRAWL_DB`, else `trawl.db` in the user's data directory.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::sync::Arc;

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;
use trawl_api::protocol::{ErrorBody, ErrorCode, Request};
use trawl_api::Service;

fn db_path() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            if let Some(p) = args.next() {
                return PathBuf::from(p);
            }
        } else if let Some(p) = a.strip_prefix("--db=") {
            return PathBuf::from(p);
        }
    }
    if let Some(p) = std::env::var_os("TRAWL_DB") {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("trawl").join("trawl.db")
}

/// Forwards one protocol request to the service, off the main thread.
#[tauri::command]
async fn api(service: State<'_, Arc<Service>>, request: Request) -> Result<serde_json::Value, ErrorBody> {
    let service = service.inner().clone();
    tauri::async_runtime::spawn_blocking(move || service.call(request).map_err(|e| e.0))
        .await
        .map_err(|e| ErrorBody { code: ErrorCode::Internal, message: e.to_string(), column: None })?
}

/// A native dialog for files (`directory` false) or folders to ingest; empty when cancelled.
#[tauri::command]
async fn pick_paths(app: tauri::AppHandle, directory: bool) -> Vec<String> {
    let dialog = app.dialog().file().set_title(if directory { "Add folders" } else { "Add files" });
    let picked = if directory { dialog.blocking_pick_folders() } else { dialog.blocking_pick_files() };
    picked.unwrap_or_default().into_iter().map(|p| p.to_string()).collect()
}

/// What the UI needs to know about the shell.
#[tauri::command]
fn desktop_info() -> serde_json::Value {
    serde_json::json!({ "shell": "tauri", "version": env!("CARGO_PKG_VERSION") })
}

fn menu(app: &tauri::AppHandle) -> tauri::Result<Menu<tauri::Wry>> {
    let file = Submenu::with_items(
        app,
        "File",
        true,
        &[
            &MenuItem::with_id(app, "open-db", "Open or create database…", true, Some("CmdOrCtrl+O"))?,
            &MenuItem::with_id(app, "add-files", "Add files…", true, None::<&str>)?,
            &MenuItem::with_id(app, "add-folder", "Add folder…", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &PredefinedMenuItem::quit(app, None)?,
        ],
    )?;
    let view = Submenu::with_items(
        app,
        "View",
        true,
        &[
            &MenuItem::with_id(app, "view-explorer", "Explorer", true, None::<&str>)?,
            &MenuItem::with_id(app, "view-stats", "Stats", true, None::<&str>)?,
            &MenuItem::with_id(app, "view-library", "Library", true, None::<&str>)?,
            &MenuItem::with_id(app, "toggle-theme", "Toggle theme", true, None::<&str>)?,
            &MenuItem::with_id(app, "help", "Keyboard shortcuts", true, None::<&str>)?,
        ],
    )?;
    Menu::with_items(app, &[&file, &view])
}

fn main() {
    let db = db_path();
    let service = match Service::open(&db) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("trawl-desktop: cannot open database {}: {e}", db.display());
            std::process::exit(1);
        }
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(service)
        .invoke_handler(tauri::generate_handler![api, pick_paths, desktop_info])
        .setup(move |app| {
            let handle = app.handle().clone();
            app.set_menu(menu(&handle)?)?;
            app.on_menu_event(move |app, event| {
                // The UI decides what each item does (open dialogs through `pick_paths`, navigate).
                let _ = app.emit("menu", event.id().0.as_str());
            });
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title(&format!("Trawl: {}", db.display()));
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("trawl-desktop: {e}");
        std::process::exit(1);
    }
}
