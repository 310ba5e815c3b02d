var builder = WebApplication.CreateBuilder(args);
var callbacks = builder.Services.AddBackgroundCallbacks(builder.Configuration.GetSection("BackgroundCallbacks"));

// The embedded default needs nothing; with a Redis connection string (ConnectionStrings__redis=localhost:6379) the
// same app shares jobs and results with other processes. See docs/deployment.md.
if (builder.Configuration.GetConnectionString("redis") is { Length: > 0 } redis)
{
    callbacks.UseRedis(redis);
}

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapBackgroundCallbacks();

// The request-values page: an ordinary endpoint sets a cookie that a background callback reads in a later request.
app.MapPost("/sample/name/{name}", (HttpContext context, string name) =>
{
    context.Response.Cookies.Append(BackgroundCallbacks.Sample.Callbacks.RequestExample.NameCookie, name, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict });
    return Results.NoContent();
});
app.Run();
