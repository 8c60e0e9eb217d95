//! `gridwatch user`: the accounts people sign in to the web pages with. Passwords are read from
//! the terminal without echo, or from standard input's first line when it is not a terminal (for
//! scripts); they never appear on the command line.

use std::{
    io::{BufRead, IsTerminal},
    path::Path,
};

use gridwatch_core::{config::Role, MemberId};

use crate::detectors;

/// What to do with accounts.
pub enum Op {
    Set {
        name: String,
        role: Option<String>,
        member: Option<String>,
    },
    Remove {
        name: String,
    },
    List,
}

fn read_password(name: &str) -> Result<String, String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("new password for {name}: "))
            .map_err(|e| format!("cannot read the password: {e}"))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(password)
}

/// The role and member an account gets: as given, or a member's own when `name` is in the roster.
fn role_and_member(
    config: &gridwatch_core::config::Config,
    name: &str,
    role: Option<&str>,
    member: Option<&str>,
) -> Result<(Role, Option<MemberId>), String> {
    let in_roster = |id: &str| {
        config
            .teams
            .iter()
            .any(|t| t.members().any(|m| m.id.as_str() == id))
    };
    let member = match member {
        Some(id) => Some(id),
        None if in_roster(name) && role.is_none_or(|r| r == "member") => Some(name),
        None => None,
    };
    let role = match (role, member) {
        (Some(r), _) => Role::parse(r).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("--role `{r}`: one of {}", names.join(", "))
        })?,
        (None, Some(_)) => Role::Member,
        (None, None) => {
            return Err(format!(
                "user `{name}`: not in the roster; say its --role (command, auditor or admin)"
            ))
        }
    };
    let member = member
        .map(MemberId::new)
        .transpose()
        .map_err(|e| format!("--member: {e}"))?;
    Ok((role, member))
}

pub fn run(config: &Path, op: Op) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(config)?;
    let one = |e: String| vec![e];
    match op {
        Op::Set { name, role, member } => {
            let (role, member) =
                role_and_member(&loaded.config, &name, role.as_deref(), member.as_deref()).map_err(one)?;
            let password = read_password(&name).map_err(one)?;
            let shown = format!(
                "user {name}: {}{}",
                role.as_str(),
                member.as_ref().map(|m| format!(" ({m})")).unwrap_or_default()
            );
            gridwatch_dispatcher::server::one_off(loaded, |d| async move {
                d.set_account(&name, role, member, &password).await
            })
            .map_err(one)?;
            println!("{shown}: password set");
        }
        Op::Remove { name } => {
            let removed = gridwatch_dispatcher::server::one_off(loaded, {
                let name = name.clone();
                |d| async move { d.remove_account(&name).await }
            })
            .map_err(one)?;
            if !removed {
                return Err(vec![format!("user `{name}`: no such account")]);
            }
            println!("user {name}: removed");
        }
        Op::List => {
            let accounts =
                gridwatch_dispatcher::server::one_off(loaded, |d| async move { d.accounts().await })
                    .map_err(one)?;
            for a in accounts {
                let member = a.member.map(|m| m.to_string()).unwrap_or_default();
                println!("{}\t{}\t{member}", a.name, a.role.as_str());
            }
        }
    }
    Ok(())
}
