// Starting and stopping from the page: experiments and groups are created by POSTing the
// CreateExperiment / CreateGroup JSON to the HTTP API, stopped by their :stop methods; the
// bearer token is kept in this tab's sessionStorage. Uses app.js's api, refresh and $.
"use strict";

const EXAMPLE_RUN = {
  workload: { modularAddition: { modulus: 11, trainFraction: 0.5 } },
  steps: "200", seed: "1", evalEvery: "10", checkpoints: { everySteps: "10" },
};
const EXAMPLE_EXPERIMENT = { name: "from the dashboard", run: EXAMPLE_RUN };
const EXAMPLE_GROUP = { name: "seeds from the dashboard", base: { run: EXAMPLE_RUN }, sweep: { seeds: { count: 2 } } };

/** The experiment on screen as the list has it (its group id), and whether it and its group run. */
const controlled = { experiment: null, group: null };

function say(message, failed) {
  $("control-status").textContent = message;
  $("control-status").className = "control-status" + (failed ? " error" : "");
}

/** "Could not start the experiment: ..." in words, with what to do about a missing token. */
function failure(what, e) {
  return "Could not " + what + ": " + e.message
    + (e instanceof Unauthorized ? ". Enter your tenant's token above." : ".");
}

function parsed(textarea, what) {
  try {
    return JSON.parse($(textarea).value);
  } catch (e) {
    throw new Error("the " + what + " is not valid JSON (" + e.message + ")");
  }
}

function show(experimentId) {
  selected = experimentId;
  const url = new URL(location.href);
  url.searchParams.set("experiment", experimentId);
  url.searchParams.delete("step");
  history.pushState(null, "", url);
  refresh();
}

/** Called by app.js's refresh with the selected experiment (from the list) and its report. */
function renderControls(experiment) {
  const running = experiment && experiment.state === "EXPERIMENT_STATE_RUNNING";
  controlled.experiment = experiment ? experiment.experimentId : null;
  controlled.group = experiment && experiment.groupId ? experiment.groupId : null;
  $("stop-experiment").hidden = !running;
  $("stop-group").hidden = !(running && controlled.group);
}

async function act(button, what, call) {
  button.disabled = true;
  try {
    say(await call(), false);
  } catch (e) {
    say(failure(what, e), true);
  } finally {
    button.disabled = false;
  }
}

$("control-token").value = sessionStorage.getItem("emergence-token") || "";
$("start-experiment-config").value = JSON.stringify(EXAMPLE_EXPERIMENT, null, 2);
$("start-group-config").value = JSON.stringify(EXAMPLE_GROUP, null, 2);

$("control-token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("emergence-token", $("control-token").value.trim());
  say("Token set for this tab.", false);
  refresh();
});

$("start-experiment-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act($("start-experiment"), "start the experiment", async () => {
    const experiment = await api("/api/experiments", parsed("start-experiment-config", "experiment config"));
    show(experiment.experimentId);
    return "Started experiment " + experiment.experimentId + " (" + experiment.name + ").";
  });
});

$("start-group-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act($("start-group"), "start the group", async () => {
    const group = await api("/api/groups", parsed("start-group-config", "group config"));
    const members = group.members || [];
    if (members.length) show(members[0].experimentId);
    return "Started group " + group.groupId + " with " + members.length + " members.";
  });
});

/** A stop button: the :stop method of what `current` names (an experiment or group id) in `collection`. */
function stopButton(button, noun, collection, current) {
  button.addEventListener("click", () => {
    const id = current();
    act(button, "stop " + noun + " " + id, async () => {
      const stopped = await api("/api/" + collection + "/" + encodeURIComponent(id) + ":stop", {});
      refresh();
      return noun[0].toUpperCase() + noun.slice(1) + " " + id + " is " + stateName(stopped.state) + ".";
    });
  });
}

stopButton($("stop-experiment"), "experiment", "experiments", () => controlled.experiment);
stopButton($("stop-group"), "group", "groups", () => controlled.group);
