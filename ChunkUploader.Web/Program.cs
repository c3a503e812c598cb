using System.Text.Json.Serialization;
using ChunkUploader.Web;
using ChunkUploader.Web.Commands;
using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Logging;
using ChunkUploader.Web.Middleware;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Observability;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Security;
using ChunkUploader.Web.Services.Operations;
using ChunkUploader.Web.Services.Uploads;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.AspNetCore.Identity;

// `dotnet ChunkUploader.Web.dll admin add …` and the other operator commands run on the same configuration and services.
var command = OperationsCommand.Parse(args);
var builder = WebApplication.CreateBuilder(command is null ? args : []);
builder.AddOperations(command);

// Read while the services are registered: a value of the wrong type or a connection string of the other engine must
// stop here, in one line.
if ((SettingsCheck.Unreadable(builder.Configuration) ?? DatabaseServiceCollectionExtensions.ConnectionStringProblem(builder.Configuration))
    is { } settingProblem)
{
    Console.Error.WriteLine(settingProblem);
    Environment.ExitCode = 1;
    return;
}
builder.Services.AddUploadDatabase(builder.Configuration, builder.Environment);
builder.Services.AddUploads(builder.Configuration);
builder.Services.AddObservability();
builder.Services.AddOptions<SeedOptions>().Bind(builder.Configuration.GetSection(SeedOptions.Section));

builder.Services
    // No email confirmation: the server sends no email (AccountOptions refuses Identity:RequireConfirmedAccount).
    .AddDefaultIdentity<IdentityUser>()
    .AddRoles<IdentityRole>()
    .AddEntityFrameworkStores<AppDbContext>()
    .AddUserValidator<StoredLengthUserValidator>()
    .AddUserManager<AccountUserManager>();

builder.Services.ConfigureApplicationCookie(options =>
{
    // The API is called by XHR: answer 401 instead of redirecting to the login page.
    options.Events.OnRedirectToLogin = context =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        else
            context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    };
    // A signed-in user who lacks a role gets a plain 403, on pages too.
    options.Events.OnRedirectToAccessDenied = context =>
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    };
});

builder.Services.AddSecurity(builder.Configuration, builder.Environment);

builder.Services.AddAntiforgery(options => options.HeaderName = "RequestVerificationToken");
builder.Services.AddControllersWithViews(mvc => mvc.Conventions.Add(new HeadWhereGet()))
    .AddJsonOptions(options => options.JsonSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.AddRazorPages();

// The largest body is a last chunk of almost twice the chunk size plus multipart framing.
var uploadLimits = builder.Configuration.GetSection(UploadOptions.Section).Get<UploadOptions>() ?? new UploadOptions();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = uploadLimits.MaxRequestBodySize);
// A build output (not a published app) finds its static assets' compressed copies under obj/ through this manifest in
// every environment, not only in Development; a published app has them in wwwroot and no such manifest.
builder.WebHost.UseStaticWebAssets();

var app = builder.Build();
// Before a command runs or the database is migrated: a bad setting changes nothing.
if (SettingsCheck.Problems(app.Services) is { } problems)
{
    Console.Error.WriteLine(problems);
    Environment.ExitCode = 1;
    return;
}
// A restore killed while putting its backup in place must be finished before anything (a fresh database) is made.
if (command is not RestoreCommand && RestoreStaging.Interrupted(app.Services.GetRequiredService<StoragePaths>().Root) is { } interrupted)
{
    Console.Error.WriteLine($"A restore of {interrupted.Backup} was interrupted while it put the backup in place: run `restore {interrupted.Backup}` again to finish it.");
    Environment.ExitCode = 1;
    return;
}
if (command is not null)
{
    Environment.ExitCode = await command.RunAsync(app.Services);
    return;
}

// The storage root must be usable before anything is received into it.
var storageRoot = app.Services.GetRequiredService<StoragePaths>().Root;
if (StorageRootMarker.Ensure(storageRoot) is { } unusable)
{
    Console.Error.WriteLine(unusable);
    Environment.ExitCode = 1;
    return;
}
// Held while the server runs (a shared lock): `restore` needs the installation alone, and a running restore holds it alone.
if (StorageRootMarker.TryHold(storageRoot) is not { } runningMark)
{
    Console.Error.WriteLine($"A restore is running on this installation (it holds {Path.Combine(storageRoot, StorageRootMarker.FileName)}); start the server once it is done.");
    Environment.ExitCode = 1;
    return;
}
app.Lifetime.ApplicationStopped.Register(runningMark.Dispose);
await DatabaseInitializer.InitializeAsync(app.Services);

app.UseAccessLog();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Home/Error");
}
app.UseBusyDatabaseAnswers();
// An error status that nothing explained (no route, a method the route does not take) still gets a sentence.
app.UseStatusCodePages(context => StatusSentences.WriteAsync(context.HttpContext));

app.UseSecurity();
app.UseSecurityHeaders();
app.UseRouting();
app.UseAuthentication();
app.UseRateLimits();
app.UseAuthorization();

// Every file of wwwroot as the build listed it, brotli- or gzip-compressed when the browser accepts it, with an ETag.
app.MapStaticAssets();
app.MapControllerRoute(name: "default", pattern: "{controller=Home}/{action=Index}/{id?}");
app.MapRazorPages();
app.MapObservability();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
